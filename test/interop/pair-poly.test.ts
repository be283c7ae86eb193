// pair1 polyamorous against real libnng, tcp and ipc: an nngts poly hub with two libnng pair1
// peers (routing by msg.pipe, 0 = first peer), and a libnng poly hub (nng_pair1_open_poly)
// echoing to two nngts pair1 peers.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { Message, Pair1 } from "../../src/index.js";
import { haveLibnng, killAllChildren, startPeer, tmpIpcUrl } from "../helpers/libnng.js";
import { until, within } from "../helpers/wait.js";

type Transport = "tcp" | "ipc";
const text = (b: Uint8Array) => Buffer.from(b).toString("utf8");
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("interop pair1 polyamorous with libnng", { skip: !haveLibnng && "libnng not installed", timeout: 60_000 }, () => {
  after(() => killAllChildren());

  for (const transport of ["tcp", "ipc"] as const) {
    const listenOn = (t: Transport) => (t === "tcp" ? "tcp://127.0.0.1:0" : tmpIpcUrl("poly"));

    test(`${transport}: nngts poly hub routes by msg.pipe to two libnng pair1 peers`, { timeout: 15_000 }, async () => {
      const hub = new Pair1({ polyamorous: true });
      try {
        const l = await within(hub.listen(listenOn(transport)), 5_000, "listen");
        const url = l.getOption("url") as string;
        // first: receives two messages (one sent to pipe 0, one to its own pipe id)
        const first = await startPeer(["pair1", "dial", url, "--recv", "2", "--recv-timeout", "5000"]);
        await until(() => hub.stats().pipes === 1, 5_000, "first peer");
        const firstId = hub.pipes[0]!.id;
        const second = await startPeer(["pair1", "dial", url, "--data", "hello from second", "--send", "1", "--recv", "1", "--recv-timeout", "5000"]);
        const m = await hub.recv({ timeout: 5_000 });
        assert.equal(m.text(), "hello from second");
        assert.equal(hex(m.header), "00000001");
        assert.notEqual(m.pipe, firstId);
        assert.ok(hub.getPipe(m.pipe));
        const reply = new Message("reply to second");
        reply.pipe = m.pipe;
        await hub.send(reply);
        await hub.send("to the first peer (pipe 0)");
        const direct = new Message("to the first peer by id");
        direct.pipe = firstId;
        await hub.send(direct);
        const [r2] = await second.waitForMessages(1, 5_000);
        assert.equal(text(r2!.body), "reply to second");
        assert.equal(hex(r2!.header), "00000001"); // libnng keeps the hop count in the header
        const got1 = await first.waitForMessages(2, 5_000);
        assert.deepEqual(got1.map((x) => text(x.body)), ["to the first peer (pipe 0)", "to the first peer by id"]);
        assert.equal(await first.exit(5_000), 0);
        assert.equal(await second.exit(5_000), 0);
        assert.equal(hub.stats().counters["tx-drop"] ?? 0, 0);
      } finally {
        await hub.close();
      }
    });

    test(`${transport}: libnng poly hub echoes each nngts pair1 peer its own messages`, { timeout: 15_000 }, async () => {
      const hubPeer = await startPeer(["pair1", "listen", listenOn(transport), "--poly", "--echo", "4", "--recv-timeout", "5000"]);
      const a = new Pair1();
      const b = new Pair1();
      try {
        await within(a.dial(hubPeer.url), 5_000, "a dials");
        await within(b.dial(hubPeer.url), 5_000, "b dials");
        for (let i = 0; i < 2; i++) {
          await a.send(`a${i}`);
          await b.send(`b${i}`);
        }
        for (let i = 0; i < 2; i++) {
          const ma = await a.recv({ timeout: 5_000 });
          const mb = await b.recv({ timeout: 5_000 });
          assert.equal(ma.text(), `a${i}`);
          assert.equal(mb.text(), `b${i}`);
          assert.equal(hex(ma.header), "00000001"); // the poly hub sends a fresh hop count
        }
        const seen = await hubPeer.waitForMessages(4, 5_000);
        assert.ok(seen.every((x) => hex(x.header) === "00000001"));
        assert.equal(await hubPeer.exit(5_000), 0);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });
  }
});
