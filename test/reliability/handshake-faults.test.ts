// Peers that never finish the SP handshake: half-open connections, slow-loris senders and floods
// of connections. Each costs the listener one timed-out connection, counted on the listener,
// never a pipe, and the legitimate peer keeps its traffic.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Listener, Pull0, Push0 } from "../../src/index.js";
import { spHeader } from "../../src/transport/framing.js";
import { tmpIpcUrl } from "../helpers/libnng.js";
import { expectNoLeak, handleCount, rawConnect, sleep, targetOf, until, within } from "./helpers.js";

const TIMEOUT = 150;

for (const transport of ["tcp", "ipc"] as const) {
  describe(`handshake faults on ${transport}`, { timeout: 30_000 }, () => {
    const pull = new Pull0();
    const push = new Push0();
    let listener: Listener;
    let url: string;
    let baseline = 0;

    before(async () => {
      baseline = handleCount();
      pull.setOption("negotiation-timeout", TIMEOUT);
      listener = await pull.listen(transport === "ipc" ? tmpIpcUrl("hs") : "tcp://127.0.0.1:0");
      url = listener.getOption("url") as string;
      await push.dial(url);
    });

    after(async () => {
      await push.close();
      await pull.close();
      await expectNoLeak(baseline, "after closing both sockets");
    });

    async function legitStillServed(tag: string): Promise<void> {
      await push.send(tag, { timeout: 3_000 });
      assert.equal((await pull.recv({ timeout: 3_000 })).text(), tag);
    }

    test("negotiation-timeout is an option of the socket and of the listener", () => {
      assert.equal(pull.getOption("negotiation-timeout"), TIMEOUT);
      assert.equal(new Pull0().getOption("negotiation-timeout"), 10_000);
      assert.throws(() => pull.setOption("negotiation-timeout", 0), { code: "EINVAL" });
    });

    test("a half-open connection (connects, sends nothing) is closed at the negotiation timeout", async () => {
      const before = listener.stats.timeout;
      const c = await rawConnect(targetOf(url));
      const t0 = Date.now();
      await within(c.closed, 3_000, "the listener drops the silent client");
      const waited = Date.now() - t0;
      assert.ok(waited >= TIMEOUT - 20, `dropped after ${waited} ms, not before the timeout`);
      assert.equal(listener.stats.timeout, before + 1);
      assert.equal(c.received().length, 8, "only our SP header was sent to it");
      assert.equal(pull.stats().pipes, 1);
      await legitStillServed("half-open");
    });

    test("slow-loris: header bytes trickling in slower than the timeout are cut off", async () => {
      const before = listener.stats.timeout;
      const c = await rawConnect(targetOf(url));
      const h = spHeader(0x50);
      let sent = 0;
      const drip = setInterval(() => {
        if (sent < h.length && !c.sock.destroyed) c.sock.write(h.subarray(sent, ++sent));
      }, TIMEOUT / 4);
      try {
        await within(c.closed, 3_000, "slow client dropped");
      } finally {
        clearInterval(drip);
      }
      assert.ok(sent < h.length, `dropped after ${sent} of 8 header bytes`);
      assert.equal(listener.stats.timeout, before + 1);
      assert.equal(pull.stats().pipes, 1);
      await legitStillServed("slow-loris");
    });

    test("a flood of 300 connections (silent, partial, garbage, instant close) leaves one pipe and no handles", async () => {
      const handlesBefore = handleCount();
      const statsBefore = { ...listener.stats };
      const N = 300;
      const clients = await Promise.all(
        Array.from({ length: N }, async (_, i) => {
          const c = await rawConnect(targetOf(url));
          switch (i % 4) {
            case 0:
              break; // silent
            case 1:
              c.sock.write(spHeader(0x50).subarray(0, 3));
              break;
            case 2:
              c.sock.write(Buffer.from("GET / HTTP/1.1\r\n\r\n"));
              break;
            case 3:
              c.sock.destroy();
          }
          return c;
        }),
      );
      // traffic flows during the flood
      await legitStillServed("flood");
      await within(Promise.all(clients.map((c) => c.closed)), 10_000, "every flood client closed by the listener");
      await until(() => listener.stats.timeout + listener.stats.proto + listener.stats.other >= statsBefore.timeout + statsBefore.proto + statsBefore.other + N, 5_000, "all failures counted");
      assert.equal(listener.stats.accept, statsBefore.accept, "none became a pipe");
      assert.equal(listener.stats.proto - statsBefore.proto, N / 4, "garbage headers: EPROTO");
      assert.equal(listener.stats.timeout - statsBefore.timeout, N / 2, "silent and partial: timed out");
      assert.equal(pull.stats().pipes, 1);
      await legitStillServed("after flood");
      await expectNoLeak(handlesBefore, "after the flood");
    });

    test("closing the listener while clients are mid-handshake drops them and leaks nothing", async () => {
      const other = new Pull0();
      const l = await other.listen(transport === "ipc" ? tmpIpcUrl("hs2") : "tcp://127.0.0.1:0");
      const cs = await Promise.all(Array.from({ length: 20 }, () => rawConnect(targetOf(l.getOption("url") as string))));
      await sleep(20);
      await other.close();
      await within(Promise.all(cs.map((c) => c.closed)), 3_000, "clients see close");
      assert.equal(l.stats.timeout + l.stats.proto + l.stats.other, 0, "a closed listener counts nothing");
    });
  });
}

describe("handshake faults seen by a dialer", { timeout: 10_000 }, () => {
  test("a server that accepts but never sends its SP header: the dial fails ETIMEDOUT, counted as timeout", async () => {
    const net = await import("node:net");
    const held: import("node:net").Socket[] = [];
    const mute = net.createServer((s) => held.push(s.resume()));
    await new Promise<void>((r) => mute.listen(0, "127.0.0.1", r));
    const push = new Push0();
    try {
      push.setOption("negotiation-timeout", TIMEOUT);
      const d = push.createDialer(`tcp://127.0.0.1:${(mute.address() as import("node:net").AddressInfo).port}`);
      await assert.rejects(within(d.start(), 3000, "dial"), { code: "ETIMEDOUT" });
      assert.equal(d.stats.timeout, 1);
      assert.equal(push.stats().counters["dial-failed"], 1);
    } finally {
      await push.close();
      for (const s of held) s.destroy();
      await new Promise<void>((r) => mute.close(() => r()));
    }
  });
});
