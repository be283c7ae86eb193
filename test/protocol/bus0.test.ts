// bus0: best-effort broadcast to directly connected peers (no forwarding), raw mode's source pipe
// id in the header and skip-on-send, and a peer that never reads losing messages, not the sender.
import assert from "node:assert/strict";
import * as net from "node:net";
import { describe, test } from "node:test";
import { Aio, Bus0, Message, type Pipe } from "../../src/index.js";
import { silentPeer, sleep, turn, until, within } from "../helpers/wait.js";

let n = 0;
const inproc = () => `inproc://bus0-${process.pid}-${++n}`;

/** Connects `dialer` to `listener`; returns the id of the new pipe on the listener's side. */
async function link(listener: Bus0, dialer: Bus0): Promise<number> {
  const url = inproc();
  const before = new Set(listener.pipes.map((p) => p.id));
  await listener.listen(url);
  await dialer.dial(url);
  await until(() => listener.stats().pipes === before.size + 1, 2_000, "pipe");
  return listener.pipes.find((p) => !before.has(p.id))!.id;
}

async function none(s: Bus0): Promise<void> {
  await sleep(20);
  await assert.rejects(s.recv({ nonblock: true }), { code: "EAGAIN" });
}

function queued(pipe: Pipe): number {
  return (pipe.protoData as { queue: { length: number } }).queue.length;
}

describe("bus0", { timeout: 30_000 }, () => {
  test("identity and defaults", async () => {
    const s = new Bus0();
    try {
      assert.equal(s.getOption("protocol"), 0x70);
      assert.equal(s.getOption("protocol-name"), "bus");
      assert.equal(s.getOption("peer"), 0x70);
      assert.equal(s.getOption("peer-name"), "bus");
      assert.throws(() => s.openContext(), { code: "ENOTSUP" });
    } finally {
      await s.close();
    }
  });

  test("a send with no peers succeeds at once", async () => {
    const s = new Bus0();
    try {
      for (let i = 0; i < 50; i++) await within(s.send(`m${i}`), 1_000, "send");
      await s.send("x", { nonblock: true });
    } finally {
      await s.close();
    }
  });

  test("a send reaches every direct peer, never the sender, and is not forwarded (a — b — c)", async () => {
    const a = new Bus0();
    const b = new Bus0();
    const c = new Bus0();
    try {
      await link(b, a);
      await link(b, c);
      await b.send("from b");
      assert.equal((await a.recv({ timeout: 2_000 })).text(), "from b");
      assert.equal((await c.recv({ timeout: 2_000 })).text(), "from b");
      await none(b);
      await a.send("from a");
      const m = await b.recv({ timeout: 2_000 });
      assert.equal(m.text(), "from a");
      assert.equal(m.pipe, b.pipes.find((p) => p.id === m.pipe)?.id);
      assert.equal(m.headerLength, 0);
      await none(c); // b does not forward
      await none(a);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  test("a cooked send ignores any header on the message", async () => {
    const a = new Bus0();
    const b = new Bus0();
    try {
      await link(a, b);
      const m = new Message("body");
      m.headerAppendU32(0xdeadbeef);
      await a.send(m);
      const got = await b.recv({ timeout: 2_000 });
      assert.equal(got.text(), "body");
      assert.equal(got.headerLength, 0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test("raw: received messages carry the source pipe id (u32) in the header; a raw send skips that pipe", async () => {
    const hub = new Bus0({ raw: true });
    const x = new Bus0();
    const y = new Bus0();
    const z = new Bus0();
    try {
      await link(hub, x);
      const toY = await link(hub, y);
      await link(hub, z);
      await x.send("from x");
      const m = await hub.recv({ timeout: 2_000 });
      assert.equal(m.headerLength, 4);
      assert.equal(m.headerPeekU32(0), m.pipe);
      assert.ok(hub.getPipe(m.pipe));
      // Sending it back as is: everyone but x.
      await hub.send(m);
      assert.equal((await y.recv({ timeout: 2_000 })).text(), "from x");
      assert.equal((await z.recv({ timeout: 2_000 })).text(), "from x");
      await none(x);
      // Without a header a raw send goes to everyone.
      await hub.send("to all");
      for (const s of [x, y, z]) assert.equal((await s.recv({ timeout: 2_000 })).text(), "to all");
      // The header is the protocol's, not sent on the wire.
      const h = new Message("skip y");
      h.headerAppendU32(toY);
      await hub.send(h);
      assert.equal((await x.recv({ timeout: 2_000 })).headerLength, 0);
      assert.equal((await z.recv({ timeout: 2_000 })).text(), "skip y");
      await none(y);
    } finally {
      await Promise.all([hub.close(), x.close(), y.close(), z.close()]);
    }
  });

  test("a peer that never reads: sends still complete at once, its queue stays at 16, the new message is dropped", async () => {
    const bus = new Bus0();
    const fast = new Bus0();
    let slow: net.Socket | undefined;
    try {
      const l = await bus.listen("tcp://127.0.0.1:0");
      const port = l.getOption("tcp-bound-port") as number;
      await fast.dial(`tcp://127.0.0.1:${port}`);
      await until(() => bus.stats().pipes === 1, 2_000, "fast pipe");
      const fastPipe = bus.pipes[0]!;
      slow = await silentPeer(port, 0x70);
      await until(() => bus.stats().pipes === 2, 2_000, "slow pipe");
      const slowPipe = bus.pipes.find((p) => p !== fastPipe)!;
      fast.setOption("recv-buffer", 8192);
      const body = new Uint8Array(65536);
      let sent = 0;
      let maxQueued = 0;
      while ((bus.stats().counters["tx-drop"] ?? 0) < 100) {
        assert.ok(sent < 20_000, "never overflowed");
        for (let k = 0; k < 8; k++) {
          const aio = await new Promise<Aio>((resolve) => {
            const a = new Aio((x) => resolve(x));
            a.msg = new Message(body);
            bus.sendAio(a);
          });
          assert.equal(aio.result, 0);
          sent++;
          maxQueued = Math.max(maxQueued, queued(slowPipe));
        }
        await turn();
      }
      assert.equal(maxQueued, 16);
      assert.equal(bus.stats().pipes, 2);
      // drain the fast peer: it got messages, the slow one cost nothing but drops
      let got = 0;
      while (got < 5) {
        await fast.recv({ timeout: 5_000 });
        got++;
      }
    } finally {
      slow?.destroy();
      await Promise.all([bus.close(), fast.close()]);
    }
  });

  test("receiving pushes back: with recv-buffer 1 nothing is lost between two buses", async () => {
    const a = new Bus0();
    const b = new Bus0();
    try {
      b.setOption("recv-buffer", 1);
      await link(b, a);
      const got: string[] = [];
      const reading = (async () => {
        while (got.length < 200) got.push((await b.recv({ timeout: 2_000 })).text());
      })();
      // bursts of 8 (under a's per-pipe queue of 16), the reader taking one at a time
      for (let i = 0; i < 200; i++) {
        await a.send(`m${i}`);
        if (i % 8 === 7) await sleep(1);
      }
      await within(reading, 5_000, "200 messages");
      assert.deepEqual(got, Array.from({ length: 200 }, (_, i) => `m${i}`));
      assert.equal(a.stats().counters["tx-drop"] ?? 0, 0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
