// bus0 against real libnng (the C peer), tcp and ipc: full meshes of three processes mixing nngts
// and libnng (each member gets exactly the others' messages, nothing forwarded), libnng's raw bus
// echo skipping the source pipe, and an nngts raw bus reflector (device) serving libnng peers.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { Bus0, device } from "../../src/index.js";
import { haveLibnng, killAllChildren, startPeer, tmpIpcUrl } from "../helpers/libnng.js";
import { sleep, until, within } from "../helpers/wait.js";

type Transport = "tcp" | "ipc";
const text = (b: Uint8Array) => Buffer.from(b).toString("utf8");
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const sorted = (xs: string[]) => [...xs].sort();

async function listenUrl(sock: Bus0, t: Transport): Promise<string> {
  const l = await within(sock.listen(t === "tcp" ? "tcp://127.0.0.1:0" : tmpIpcUrl("bus")), 5_000, "listen");
  return l.getOption("url") as string;
}

const peerListenUrl = (t: Transport) => (t === "tcp" ? "tcp://127.0.0.1:0" : tmpIpcUrl("busp"));

async function recvTexts(s: Bus0, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const m = await s.recv({ timeout: 5_000 });
    assert.equal(m.headerLength, 0);
    out.push(text(m.body));
  }
  return out;
}

async function nothingMore(s: Bus0): Promise<void> {
  await sleep(100);
  await assert.rejects(s.recv({ nonblock: true }), { code: "EAGAIN" });
}

describe("interop bus0 with libnng", { skip: !haveLibnng && "libnng not installed", timeout: 120_000 }, () => {
  after(() => killAllChildren());

  for (const transport of ["tcp", "ipc"] as const) {
    test(`${transport}: mesh of nngts + two C peers: each gets exactly the other two's messages`, { timeout: 20_000 }, async () => {
      // a (C) listens; n (nngts) listens and dials a; b (C) dials n and a. Every link in both directions.
      const a = await startPeer(["bus0", "listen", peerListenUrl(transport), "--delay", "2000", "--data", "from-a", "--send", "1", "--recv", "2", "--recv-timeout", "5000"]);
      const n = new Bus0();
      try {
        const nUrl = await listenUrl(n, transport);
        await within(n.dial(a.url), 5_000, "n dials a");
        const b = await startPeer(["bus0", "dial", nUrl, "--also-dial", a.url, "--delay", "500", "--data", "from-b", "--send", "1", "--recv", "2", "--recv-timeout", "5000"]);
        await until(() => n.stats().pipes === 2, 5_000, "n has both peers");
        await n.send("from-n");
        assert.deepEqual(sorted(await recvTexts(n, 2)), ["from-a", "from-b"]);
        const [ga, gb] = await Promise.all([a.waitForMessages(2, 5_000), b.waitForMessages(2, 5_000)]);
        assert.deepEqual(sorted(ga.map((m) => text(m.body))), ["from-b", "from-n"]);
        assert.deepEqual(sorted(gb.map((m) => text(m.body))), ["from-a", "from-n"]);
        assert.ok([...ga, ...gb].every((m) => m.header.length === 0));
        assert.equal(await a.exit(5_000), 0);
        assert.equal(await b.exit(5_000), 0);
        await nothingMore(n); // nobody forwarded or echoed
      } finally {
        await n.close();
      }
    });

    test(`${transport}: mesh of two nngts + one C peer`, { timeout: 20_000 }, async () => {
      const n1 = new Bus0();
      const n2 = new Bus0();
      try {
        const u1 = await listenUrl(n1, transport);
        const u2 = await listenUrl(n2, transport);
        await within(n2.dial(u1), 5_000, "n2 dials n1");
        const c = await startPeer(["bus0", "dial", u1, "--also-dial", u2, "--delay", "300", "--data", "from-c", "--send", "1", "--recv", "2", "--recv-timeout", "5000"]);
        await until(() => n1.stats().pipes === 2 && n2.stats().pipes === 2, 5_000, "mesh");
        await n1.send("from-n1");
        await n2.send("from-n2");
        assert.deepEqual(sorted(await recvTexts(n1, 2)), ["from-c", "from-n2"]);
        assert.deepEqual(sorted(await recvTexts(n2, 2)), ["from-c", "from-n1"]);
        const got = await c.waitForMessages(2, 5_000);
        assert.deepEqual(sorted(got.map((m) => text(m.body))), ["from-n1", "from-n2"]);
        assert.equal(await c.exit(5_000), 0);
        await nothingMore(n1);
        await nothingMore(n2);
      } finally {
        await Promise.all([n1.close(), n2.close()]);
      }
    });

    test(`${transport}: libnng raw bus echo sends to every peer but the source (its header names the pipe)`, { timeout: 15_000 }, async () => {
      const hub = await startPeer(["bus0", "listen", peerListenUrl(transport), "--raw", "--echo", "1", "--recv-timeout", "5000"]);
      const x = new Bus0();
      const y = new Bus0();
      try {
        await within(x.dial(hub.url), 5_000, "x dials");
        await within(y.dial(hub.url), 5_000, "y dials");
        await sleep(100); // the hub attaches both pipes
        await x.send("from-x");
        assert.equal((await y.recv({ timeout: 5_000 })).text(), "from-x");
        const [m] = await hub.waitForMessages(1, 5_000);
        assert.equal(m!.header.length, 4); // libnng's raw bus: the source pipe id
        assert.equal(hex(m!.body), hex(new TextEncoder().encode("from-x")));
        await nothingMore(x);
        assert.equal(await hub.exit(5_000), 0);
      } finally {
        await Promise.all([x.close(), y.close()]);
      }
    });

    test(`${transport}: nngts raw bus header from a libnng peer is its pipe id; a raw send skips it`, { timeout: 15_000 }, async () => {
      const hub = new Bus0({ raw: true });
      try {
        const url = await listenUrl(hub, transport);
        const p = await startPeer(["bus0", "dial", url, "--delay", "300", "--data", "from-p", "--send", "1", "--recv", "1", "--recv-timeout", "5000"]);
        const q = await startPeer(["bus0", "dial", url, "--recv", "1", "--recv-timeout", "5000"]);
        await until(() => hub.stats().pipes === 2, 5_000, "two peers");
        const m = await hub.recv({ timeout: 5_000 });
        assert.equal(m.text(), "from-p");
        assert.equal(m.headerLength, 4);
        assert.equal(m.headerPeekU32(0), m.pipe);
        await hub.send(m); // to q only
        const [gq] = await q.waitForMessages(1, 5_000);
        assert.equal(text(gq!.body), "from-p");
        await hub.send("to-everyone"); // no header: p too
        const [gp] = await p.waitForMessages(1, 5_000);
        assert.equal(text(gp!.body), "to-everyone");
        assert.equal(await p.exit(5_000), 0);
        assert.equal(await q.exit(5_000), 0);
      } finally {
        await hub.close();
      }
    });

    test(`${transport}: nngts raw bus reflector (device with one socket) between libnng peers`, { timeout: 15_000 }, async () => {
      const hub = new Bus0({ raw: true });
      const d = device(hub);
      try {
        const url = await listenUrl(hub, transport);
        // b joins first and sends late; a joins second, sends early, then receives: b's, not its own echo.
        const b = await startPeer(["bus0", "dial", url, "--delay", "2000", "--data", "from-b", "--send", "1", "--recv", "1", "--recv-timeout", "5000"]);
        await until(() => hub.stats().pipes === 1, 5_000, "b attached");
        const a = await startPeer(["bus0", "dial", url, "--delay", "300", "--data", "from-a", "--send", "1", "--recv", "1", "--recv-timeout", "5000"]);
        const [ga] = await a.waitForMessages(1, 8_000);
        const [gb] = await b.waitForMessages(1, 8_000);
        assert.equal(text(ga!.body), "from-b");
        assert.equal(text(gb!.body), "from-a");
        assert.equal(await a.exit(5_000), 0);
        assert.equal(await b.exit(5_000), 0);
        assert.equal(hub.stats().rxMsgs, 2);
      } finally {
        d.stop();
        await within(d.done, 2_000, "device stops");
        await hub.close();
      }
    });
  }
});
