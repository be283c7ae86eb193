// pub0: never blocks, fans out to every subscriber sharing one payload, and a subscriber that does
// not read loses its oldest messages from a bounded per-pipe queue (send-buffer, default 16).
import assert from "node:assert/strict";
import * as net from "node:net";
import { describe, test } from "node:test";
import { Aio, Message, Pub0, Sub0, type Pipe } from "../../src/index.js";
import { writeFramePrefix } from "../../src/transport/framing.js";
import { silentPeer, sleep, turn, until, within } from "../helpers/wait.js";

let n = 0;
const inproc = () => `inproc://pub0-${process.pid}-${++n}`;

/** The pub side's per-pipe queue (Broadcaster's outbox in src/protocol/pub0.ts). */
function queued(pipe: Pipe): number {
  return (pipe.protoData as { queue: { length: number } }).queue.length;
}

/** Sends with an aio and reports whether it completed (successfully) by the next turn of the loop. */
function sendNow(pub: Pub0, body: Uint8Array | string): Promise<Aio> {
  return new Promise((resolve) => {
    const aio = new Aio((a) => resolve(a));
    aio.msg = new Message(body);
    pub.sendAio(aio);
  });
}

describe("pub0", { timeout: 30_000 }, () => {
  test("identity and defaults: send-buffer 16 (1..8192), recv is ENOTSUP", async () => {
    const pub = new Pub0();
    try {
      assert.equal(pub.getOption("protocol"), 0x20);
      assert.equal(pub.getOption("protocol-name"), "pub");
      assert.equal(pub.getOption("peer"), 0x21);
      assert.equal(pub.getOption("peer-name"), "sub");
      assert.equal(pub.getOption("send-buffer"), 16);
      assert.throws(() => pub.setOption("send-buffer", 0), { code: "EINVAL" });
      assert.throws(() => pub.setOption("send-buffer", 8193), { code: "EINVAL" });
      pub.setOption("send-buffer", 8192);
      assert.equal(pub.getOption("send-buffer"), 8192);
      await assert.rejects(pub.recv({ timeout: 100 }), { code: "ENOTSUP" });
      assert.throws(() => pub.setOption("sub:subscribe", "x"), { code: "ENOTSUP" });
    } finally {
      await pub.close();
    }
  });

  test("a send with no subscribers succeeds at once (and is simply gone)", async () => {
    const pub = new Pub0();
    try {
      for (let i = 0; i < 100; i++) {
        const aio = await within(sendNow(pub, `m${i}`), 1_000, "send");
        assert.equal(aio.result, 0);
        assert.equal(aio.msg, null); // the socket took it
      }
      pub.setOption("send-timeout", 0);
      await pub.send("nonblocking too", { nonblock: true });
    } finally {
      await pub.close();
    }
  });

  test("fan-out: every subscriber gets every message, in order, all sharing the one payload", async () => {
    const url = inproc();
    const pub = new Pub0();
    const subs = [new Sub0(), new Sub0(), new Sub0()];
    try {
      await pub.listen(url);
      for (const s of subs) {
        s.subscribe("");
        await s.dial(url);
      }
      await until(() => pub.stats().pipes === 3, 2_000, "3 pipes");
      const payload = new Uint8Array(256).fill(7);
      const sent: Message[] = [];
      for (let i = 0; i < 10; i++) {
        const m = Message.wrap(payload.slice());
        m.body[0] = i;
        sent.push(m);
        await pub.send(m);
      }
      for (const s of subs) {
        for (let i = 0; i < 10; i++) {
          const got = await s.recv({ timeout: 2_000 });
          assert.equal(got.body[0], i);
          assert.equal(got.length, 256);
          // no copy per subscriber: the received body is a view of the published bytes
          assert.equal(got.body.buffer, sent[i]!.body.buffer);
        }
      }
      assert.equal(pub.stats().counters["tx-drop"] ?? 0, 0);
    } finally {
      await Promise.all([pub.close(), ...subs.map((s) => s.close())]);
    }
  });

  test("a subscriber that never reads neither slows the publisher nor grows memory past send-buffer", async () => {
    const pub = new Pub0();
    const fast = new Sub0();
    let slow: net.Socket | undefined;
    try {
      pub.setOption("send-buffer", 4);
      const l = await pub.listen("tcp://127.0.0.1:0");
      const port = l.getOption("tcp-bound-port") as number;
      const url = `tcp://127.0.0.1:${port}`;
      fast.subscribe("");
      fast.setOption("recv-buffer", 8192);
      await fast.dial(url);
      await until(() => pub.stats().pipes === 1, 2_000, "fast pipe");
      const fastPipe = pub.pipes[0]!;
      slow = await silentPeer(port, 0x21);
      await until(() => pub.stats().pipes === 2, 2_000, "slow pipe");
      const slowPipe = pub.pipes.find((p) => p !== fastPipe)!;

      // 64 KiB messages, 8 per turn of the event loop, until the slow pipe's queue has overflowed
      // many times (the kernel buffers of the silent connection fill first).
      const body = new Uint8Array(65536);
      let sent = 0;
      let maxQueued = 0;
      let received = 0;
      const reading = (async () => {
        for (;;) {
          const m = await fast.recv({ timeout: 5_000 });
          received++;
          if (new DataView(m.body.buffer, m.body.byteOffset).getUint32(0) === 0xffffffff) return;
        }
      })();
      while ((pub.stats().counters["tx-drop"] ?? 0) < 200) {
        assert.ok(sent < 20_000, "the slow subscriber never overflowed");
        for (let k = 0; k < 8; k++) {
          const aio = await sendNow(pub, body);
          assert.equal(aio.result, 0); // never waits, never fails
          sent++;
          maxQueued = Math.max(maxQueued, queued(slowPipe));
        }
        await turn();
      }
      assert.ok(maxQueued <= 4, `slow pipe queue reached ${maxQueued}`);
      assert.equal(queued(slowPipe), 4);
      // A smaller send-buffer trims the queue of a busy pipe at once (oldest first).
      pub.setOption("send-buffer", 2);
      assert.equal(queued(slowPipe), 2);
      const drops = pub.stats().counters["tx-drop"]!;
      // The last message always reaches the fast subscriber: a full queue drops its oldest.
      const last = new Uint8Array(64);
      new DataView(last.buffer).setUint32(0, 0xffffffff);
      await pub.send(last);
      await within(reading, 10_000, "fast subscriber gets the last message");
      assert.ok(received > 0);
      assert.equal(queued(fastPipe), 0);
      assert.ok(queued(slowPipe) <= 2);
      assert.ok(pub.stats().counters["tx-drop"]! >= drops);
      assert.equal(pub.stats().pipes, 2); // nobody was disconnected
    } finally {
      slow?.destroy();
      await Promise.all([pub.close(), fast.close()]);
    }
  });

  test("a subscriber that sends is dropped (rx-malformed), as libnng does", async () => {
    const pub = new Pub0();
    try {
      const l = await pub.listen("tcp://127.0.0.1:0");
      const port = l.getOption("tcp-bound-port") as number;
      const sock = await silentPeer(port, 0x21);
      sock.resume();
      sock.on("data", () => {});
      const closed = new Promise<void>((r) => sock.once("close", () => r()));
      await until(() => pub.stats().pipes === 1, 2_000, "pipe");
      const frame = new Uint8Array(8 + 3);
      frame.set([1, 2, 3], writeFramePrefix(frame, 0, 3, false));
      sock.write(frame);
      await within(closed, 2_000, "closed by pub");
      await until(() => pub.stats().pipes === 0, 2_000, "pipe removed");
      assert.equal(pub.stats().counters["rx-malformed"], 1);
    } finally {
      await pub.close();
    }
  });

  test("raw pub publishes like cooked pub", async () => {
    const url = inproc();
    const pub = new Pub0({ raw: true });
    const sub = new Sub0();
    try {
      sub.subscribe("t");
      await pub.listen(url);
      await sub.dial(url);
      await until(() => pub.stats().pipes === 1, 2_000, "pipe");
      await pub.send("x-not");
      await pub.send("t-yes");
      assert.equal((await sub.recv({ timeout: 2_000 })).text(), "t-yes");
      await sleep(20);
      await assert.rejects(sub.recv({ nonblock: true }), { code: "EAGAIN" });
    } finally {
      await Promise.all([pub.close(), sub.close()]);
    }
  });
});
