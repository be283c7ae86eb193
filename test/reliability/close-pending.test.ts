// Closing a socket while operations wait, while dialers redial, while a dial is still negotiating
// and while traffic flows: every pending operation ends with ECLOSED, nothing is left running.
import assert from "node:assert/strict";
import * as net from "node:net";
import { describe, test } from "node:test";
import { Aio, NngError, Pull0, Push0, Rep0, Req0, Sub0, Surveyor0 } from "../../src/index.js";
import { freePort, tmpIpcUrl } from "../helpers/libnng.js";
import { expectNoLeak, handleCount, sleep, within } from "./helpers.js";

describe("close during pending operations", { timeout: 30_000 }, () => {
  test("pending recvs (socket and contexts) and a blocked send all end with ECLOSED", async () => {
    const baseline = handleCount();
    const pull = new Pull0();
    const push = new Push0();
    const rep = new Rep0();
    const req = new Req0();
    const sub = new Sub0();
    await pull.listen("tcp://127.0.0.1:0");
    push.setOption("send-buffer", 0);
    const pending: Promise<unknown>[] = [
      pull.recv(),
      push.send("nobody to take it"),
      rep.recv(),
      rep.openContext().recv(),
      req.openContext().send("no rep"),
      sub.recv(),
    ];
    const aio = new Aio();
    pull.recvAio(aio);
    await sleep(20);
    const closes = [pull, push, rep, req, sub].map((s) => s.close());
    const results = await within(Promise.allSettled(pending), 3000, "pending operations end");
    for (const r of results) {
      assert.equal(r.status, "rejected");
      assert.ok((r as PromiseRejectedResult).reason instanceof NngError);
      assert.equal(((r as PromiseRejectedResult).reason as NngError).code, "ECLOSED");
    }
    await within(aio.wait(), 3000, "aio");
    assert.ok(aio.result instanceof NngError && aio.result.code === "ECLOSED");
    await Promise.all(closes);
    await expectNoLeak(baseline, "after close");
  });

  test("a surveyor closed with a survey open: its recv ends ECLOSED", async () => {
    const s = new Surveyor0();
    await s.send("anyone?");
    const r = s.recv();
    await s.close();
    await assert.rejects(r, { code: "ECLOSED" });
  });

  test("close during reconnect: refused redials stop, no timer or socket left", async () => {
    const baseline = handleCount();
    const push = new Push0();
    push.setOption("reconnect-time-min", 20);
    push.setOption("reconnect-time-max", 40);
    const d = await push.dial(`tcp://127.0.0.1:${await freePort()}`, { nonblock: true });
    try {
      for (let i = 0; i < 100 && d.stats.refused < 3; i++) await sleep(20);
      assert.ok(d.stats.refused >= 3, `redialed ${d.stats.refused} times`);
    } finally {
      await push.close();
    }
    const refused = d.stats.refused;
    await expectNoLeak(baseline, "after closing a redialing socket");
    await sleep(100);
    assert.equal(d.stats.refused, refused, "no attempts after close");
  });

  for (const transport of ["tcp", "ipc"] as const) {
    test(`${transport}: close while a dial is still negotiating (the server never answers the SP header)`, async () => {
      const baseline = handleCount();
      const held: net.Socket[] = [];
      const mute = net.createServer((s) => held.push(s.resume())); // accepts, reads, says nothing
      const path = tmpIpcUrl("mute").slice("ipc://".length);
      await new Promise<void>((r) => (transport === "ipc" ? mute.listen(path, r) : mute.listen(0, "127.0.0.1", r)));
      const url = transport === "ipc" ? `ipc://${path}` : `tcp://127.0.0.1:${(mute.address() as net.AddressInfo).port}`;
      const push = new Push0();
      try {
        const dial = push.dial(url);
        await sleep(50);
        assert.equal(held.length, 1, "connected, handshake pending");
        const t0 = Date.now();
        await push.close();
        await assert.rejects(within(dial, 3000, "dial ends"), { code: "ECLOSED" });
        assert.ok(Date.now() - t0 < 1000, "at once, not at the negotiation timeout");
        await within(new Promise((r) => (held[0]!.destroyed ? r(null) : held[0]!.once("close", r))), 3000, "the server sees the dialer leave");
      } finally {
        await push.close();
        for (const s of held) s.destroy();
        await new Promise<void>((r) => mute.close(() => r()));
      }
      await expectNoLeak(baseline, "after closing a negotiating dialer");
    });
  }

  test("close on both ends while traffic flows: no crash, no handle left", async () => {
    const baseline = handleCount();
    for (let round = 0; round < 5; round++) {
      const push = new Push0();
      const pull = new Pull0();
      const l = await pull.listen("tcp://127.0.0.1:0");
      await push.dial(l.getOption("url") as string);
      let sent = 0;
      const pump = (async () => {
        for (;;) {
          try {
            await push.send(new Uint8Array(1024));
            sent++;
          } catch (e) {
            assert.equal((e as NngError).code, "ECLOSED");
            return;
          }
        }
      })();
      const drain = (async () => {
        for (;;) {
          try {
            await pull.recv();
          } catch (e) {
            assert.equal((e as NngError).code, "ECLOSED");
            return;
          }
        }
      })();
      await sleep(30);
      await (round % 2 ? pull.close() : push.close());
      await sleep(10);
      await Promise.all([push.close(), pull.close()]);
      await within(Promise.all([pump, drain]), 3000, "loops end");
      assert.ok(sent > 0);
    }
    await expectNoLeak(baseline, "after five rounds");
  });

  test("req contexts waiting for replies that will never come end ECLOSED when the socket closes", async () => {
    const rep = new Rep0();
    const req = new Req0();
    try {
      await rep.listen("inproc://close-pending-req");
      await req.dial("inproc://close-pending-req");
      const waits = Array.from({ length: 100 }, async (_, i) => {
        const c = req.openContext();
        await c.send(`q${i}`);
        return c.recv();
      });
      for (let i = 0; i < 100; i++) await rep.recv({ timeout: 2000 }); // taken, never answered
      await req.close();
      const rs = await within(Promise.allSettled(waits), 3000, "contexts end");
      assert.ok(rs.every((r) => r.status === "rejected" && (r.reason as NngError).code === "ECLOSED"));
    } finally {
      await Promise.all([req.close(), rep.close()]);
    }
  });
});
