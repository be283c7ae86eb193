// pair1: hop counts, ttl-max, malformed input, raw mode, the single-peer rule and polyamorous mode.
import assert from "node:assert/strict";
import * as net from "node:net";
import { describe, test } from "node:test";
import { Aio, Message, NngError, Pair1 } from "../../src/index.js";
import { spHeader, writeFramePrefix } from "../../src/transport/framing.js";
import { until, within } from "../helpers/wait.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
let n = 0;
const inproc = () => `inproc://pair1-${process.pid}-${++n}`;

function hopMsg(hops: number, body: string): Message {
  const m = new Message(body);
  m.headerAppendU32(hops);
  return m;
}

/** Sends `msg` with sendAio; resolves with the finished aio (its msg is kept on failure). */
function sendAio(s: Pair1, msg: Message): Promise<Aio> {
  return within(
    new Promise<Aio>((resolve) => {
      const aio = new Aio((a) => resolve(a));
      aio.msg = msg;
      aio.timeout = 1_000;
      s.sendAio(aio);
    }),
    3_000,
    "sendAio",
  );
}

/** A connected raw pair (sender raw, receiver cooked) over inproc. */
async function rawToCooked(): Promise<{ raw: Pair1; cooked: Pair1 }> {
  const url = inproc();
  const raw = new Pair1({ raw: true });
  const cooked = new Pair1();
  await cooked.listen(url);
  await within(raw.dial(url), 2_000, "dial");
  await until(() => cooked.stats().pipes === 1, 2_000, "pipe");
  return { raw, cooked };
}

describe("pair1", { timeout: 20_000 }, () => {
  test("identity and defaults", async () => {
    const s = new Pair1();
    try {
      assert.equal(s.getOption("protocol"), 0x11);
      assert.equal(s.getOption("protocol-name"), "pair1");
      assert.equal(s.getOption("peer"), 0x11);
      assert.equal(s.getOption("peer-name"), "pair1");
      assert.equal(s.getOption("ttl-max"), 8);
      assert.equal(s.getOption("pair1:polyamorous"), false);
    } finally {
      await s.close();
    }
  });

  test("cooked: the first hop arrives as hop count 1 in the header; a cooked send discards any header", async () => {
    const url = inproc();
    const a = new Pair1();
    const b = new Pair1();
    try {
      await a.listen(url);
      await within(b.dial(url), 2_000, "dial");
      const m = new Message("with junk header");
      m.headerAppend(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
      await b.send(m, { timeout: 2_000 });
      const got = await a.recv({ timeout: 2_000 });
      assert.equal(hex(got.header), "00000001");
      assert.equal(got.text(), "with junk header");
      // echoing the received message back is again one hop
      await a.send(got, { timeout: 2_000 });
      const back = await b.recv({ timeout: 2_000 });
      assert.equal(hex(back.header), "00000001");
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test("raw: the header is kept and incremented on the way out", async () => {
    const { raw, cooked } = await rawToCooked();
    try {
      await raw.send(hopMsg(0, "h0"), { timeout: 2_000 });
      await raw.send(hopMsg(5, "h5"), { timeout: 2_000 });
      assert.equal(hex((await cooked.recv({ timeout: 2_000 })).header), "00000001");
      assert.equal(hex((await cooked.recv({ timeout: 2_000 })).header), "00000006");
      await cooked.send("to raw", { timeout: 2_000 });
      const m = await raw.recv({ timeout: 2_000 });
      assert.equal(hex(m.header), "00000001");
      assert.equal(m.text(), "to raw");
    } finally {
      await Promise.all([raw.close(), cooked.close()]);
    }
  });

  test("ttl: hop count 9 > ttl-max 8 is dropped (ttl-drop), 8 passes", async () => {
    const { raw, cooked } = await rawToCooked();
    try {
      await raw.send(hopMsg(8, "nine hops"), { timeout: 2_000 }); // leaves as 9
      await raw.send(hopMsg(7, "eight hops"), { timeout: 2_000 }); // leaves as 8
      const m = await cooked.recv({ timeout: 2_000 });
      assert.equal(m.text(), "eight hops");
      assert.equal(hex(m.header), "00000008");
      assert.equal(cooked.stats().counters["ttl-drop"], 1);
      assert.equal(cooked.stats().pipes, 1, "a ttl drop keeps the pipe");
      // a lower ttl-max drops more
      cooked.setOption("ttl-max", 3);
      await raw.send(hopMsg(3, "four"), { timeout: 2_000 });
      await raw.send(hopMsg(2, "three"), { timeout: 2_000 });
      assert.equal((await cooked.recv({ timeout: 2_000 })).text(), "three");
      assert.equal(cooked.stats().counters["ttl-drop"], 2);
      // 0xfe leaves as 0xff: over any ttl-max, dropped, pipe kept
      await raw.send(hopMsg(0xfe, "255"), { timeout: 2_000 });
      await raw.send(hopMsg(0, "one"), { timeout: 2_000 });
      assert.equal((await cooked.recv({ timeout: 2_000 })).text(), "one");
      assert.equal(cooked.stats().counters["ttl-drop"], 3);
    } finally {
      await Promise.all([raw.close(), cooked.close()]);
    }
  });

  test("ttl-max: range 1..15, integer", async () => {
    const s = new Pair1();
    try {
      s.setOption("ttl-max", 1);
      s.setOption("ttl-max", 15);
      assert.equal(s.getOption("ttl-max"), 15);
      assert.throws(() => s.setOption("ttl-max", 0), { code: "EINVAL" });
      assert.throws(() => s.setOption("ttl-max", 16), { code: "EINVAL" });
      assert.throws(() => s.setOption("ttl-max", 256), { code: "EINVAL" });
      assert.throws(() => s.setOption("ttl-max", "8" as unknown as number), { code: "EBADTYPE" });
      assert.equal(s.getOption("ttl-max"), 15);
    } finally {
      await s.close();
    }
  });

  test("raw send with a missing or bad header is EPROTO and the message stays with the caller", async () => {
    const s = new Pair1({ raw: true });
    try {
      for (const [what, msg] of [
        ["no header", new Message("x")],
        ["hop count 0xff", hopMsg(0xff, "x")],
        ["hop count 0x100", hopMsg(0x100, "x")],
        ["8-byte header", (() => {
          const m = hopMsg(1, "x");
          m.headerAppendU32(1);
          return m;
        })()],
        ["2-byte header", (() => {
          const m = new Message("x");
          m.headerAppendU16(1);
          return m;
        })()],
      ] as const) {
        const aio = await sendAio(s, msg);
        assert.ok(aio.result instanceof NngError, what);
        assert.equal(aio.result.code, "EPROTO", what);
        assert.equal(aio.msg, msg, `${what}: message kept`);
      }
      await assert.rejects(s.send("no header"), { code: "EPROTO", errno: 13 });
      assert.equal(s.stats().txMsgs, 0);
    } finally {
      await s.close();
    }
  });

  test("malformed input over tcp: hop count > 255 or fewer than 4 bytes closes the pipe (rx-malformed)", async () => {
    for (const [what, payload] of [
      ["hop count 256", Uint8Array.of(0, 0, 1, 0, 0x41)],
      ["hop count 0xffffffff", Uint8Array.of(0xff, 0xff, 0xff, 0xff)],
      ["3 bytes", Uint8Array.of(0, 0, 1)],
      ["empty", new Uint8Array(0)],
    ] as const) {
      const s = new Pair1();
      const removed: number[] = [];
      s.pipeNotify("rem-post", (p) => removed.push(p.id));
      try {
        const l = await s.listen("tcp://127.0.0.1:0");
        const port = l.getOption("tcp-bound-port") as number;
        const sock = net.connect({ host: "127.0.0.1", port });
        sock.on("error", () => {});
        sock.on("data", () => {}); // read, so that the listener's close is seen
        const closed = new Promise<void>((r) => sock.once("close", () => r()));
        await within(new Promise<void>((r) => sock.once("connect", () => r())), 2_000, "connect");
        sock.write(spHeader(0x11));
        await until(() => s.stats().pipes === 1, 2_000, "pipe");
        const frame = new Uint8Array(8 + payload.length);
        frame.set(payload, writeFramePrefix(frame, 0, payload.length, false));
        sock.write(frame);
        await within(closed, 2_000, `${what}: connection closed`);
        await until(() => removed.length === 1, 2_000, "rem-post");
        assert.equal(s.stats().counters["rx-malformed"], 1, what);
        await assert.rejects(s.recv({ nonblock: true }), { code: "EAGAIN" }, what);
      } finally {
        await s.close();
      }
    }
  });

  test("a second peer is rejected (counter reject) unless polyamorous", async () => {
    const url = inproc();
    const a = new Pair1();
    const b = new Pair1();
    const c = new Pair1();
    try {
      await a.listen(url);
      await within(b.dial(url), 2_000, "dial");
      await until(() => a.stats().pipes === 1, 2_000, "pipe");
      c.setOption("reconnect-time-min", 1000);
      await within(c.dial(url), 2_000, "dial");
      await until(() => a.stats().reject === 1, 2_000, "reject");
      assert.equal(a.stats().counters["reject"], 1);
      assert.equal(a.stats().pipes, 1);
      await b.send("still paired", { timeout: 2_000 });
      assert.equal((await a.recv({ timeout: 2_000 })).text(), "still paired");
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  test("polyamorous: many peers, received messages carry their pipe, sends are routed by msg.pipe", async () => {
    const url = inproc();
    const hub = new Pair1({ polyamorous: true });
    const p1 = new Pair1();
    const p2 = new Pair1();
    try {
      assert.equal(hub.getOption("pair1:polyamorous"), true);
      await hub.listen(url);
      await within(p1.dial(url), 2_000, "dial");
      await within(p2.dial(url), 2_000, "dial");
      await until(() => hub.stats().pipes === 2, 2_000, "two pipes");
      assert.equal(hub.stats().reject, 0);
      await p1.send("from p1", { timeout: 2_000 });
      const m1 = await hub.recv({ timeout: 2_000 });
      await p2.send("from p2", { timeout: 2_000 });
      const m2 = await hub.recv({ timeout: 2_000 });
      assert.notEqual(m1.pipe, m2.pipe);
      assert.equal(hex(m1.header), "00000001");
      const reply2 = new Message("to p2");
      reply2.pipe = m2.pipe;
      await hub.send(reply2, { timeout: 2_000 });
      const reply1 = new Message("to p1");
      reply1.pipe = m1.pipe;
      await hub.send(reply1, { timeout: 2_000 });
      assert.equal((await p2.recv({ timeout: 2_000 })).text(), "to p2");
      assert.equal((await p1.recv({ timeout: 2_000 })).text(), "to p1");
      // an unknown pipe: best effort, dropped
      const lost = new Message("nowhere");
      lost.pipe = 0x7ffffff0;
      await hub.send(lost, { timeout: 2_000 });
      assert.equal(hub.stats().counters["tx-drop"], 1);
      // the mode is fixed once peers were seen
      assert.throws(() => hub.setOption("pair1:polyamorous", false), { code: "ESTATE" });
    } finally {
      await Promise.all([hub.close(), p1.close(), p2.close()]);
    }
  });

  test("polyamorous: msg.pipe 0 goes to the first peer (the next one once it leaves); a reply keeps its pipe", async () => {
    const url = inproc();
    const hub = new Pair1({ polyamorous: true });
    const p1 = new Pair1();
    const p2 = new Pair1();
    try {
      await hub.listen(url);
      await within(p1.dial(url), 2_000, "dial");
      await until(() => hub.stats().pipes === 1, 2_000, "first pipe");
      await within(p2.dial(url), 2_000, "dial");
      await until(() => hub.stats().pipes === 2, 2_000, "two pipes");
      await hub.send("to whoever is first");
      const m = await p1.recv({ timeout: 2_000 });
      assert.equal(m.text(), "to whoever is first");
      assert.equal(hex(m.header), "00000001");
      // a received message sent back as is goes back where it came from, with a fresh hop count
      await p2.send("ping");
      const ping = await hub.recv({ timeout: 2_000 });
      await hub.send(ping);
      const pong = await p2.recv({ timeout: 2_000 });
      assert.equal(pong.text(), "ping");
      assert.equal(hex(pong.header), "00000001");
      await p1.close();
      await until(() => hub.stats().pipes === 1, 2_000, "p1 gone");
      await hub.send("now p2 is first");
      assert.equal((await p2.recv({ timeout: 2_000 })).text(), "now p2 is first");
      // no peer at all: best effort, dropped, still a success
      await p2.close();
      await until(() => hub.stats().pipes === 0, 2_000, "p2 gone");
      const drops = hub.stats().counters["tx-drop"] ?? 0;
      await within(hub.send("nobody"), 1_000, "send with no peer");
      assert.equal(hub.stats().counters["tx-drop"], drops + 1);
    } finally {
      await Promise.all([hub.close(), p1.close(), p2.close()]);
    }
  });

  test("polyamorous: a peer that never reads costs drops (per-peer queue), never a blocked send", async () => {
    const hub = new Pair1({ polyamorous: true });
    const fast = new Pair1();
    let slow: net.Socket | undefined;
    try {
      const l = await hub.listen("tcp://127.0.0.1:0");
      const port = l.getOption("tcp-bound-port") as number;
      slow = net.connect({ host: "127.0.0.1", port });
      slow.on("error", () => {});
      slow.write(spHeader(0x11));
      await until(() => hub.stats().pipes === 1, 2_000, "slow pipe");
      slow.pause(); // never reads
      const slowId = hub.pipes[0]!.id;
      await within(fast.dial(`tcp://127.0.0.1:${port}`), 2_000, "dial");
      await until(() => hub.stats().pipes === 2, 2_000, "fast pipe");
      const fastId = hub.pipes.find((p) => p.id !== slowId)!.id;
      const body = new Uint8Array(65536);
      let sent = 0;
      while ((hub.stats().counters["tx-drop"] ?? 0) < 50) {
        assert.ok(sent < 20_000, "never overflowed");
        for (let k = 0; k < 8; k++) {
          const m = new Message(body);
          m.pipe = slowId;
          await within(hub.send(m), 1_000, "send to a stuck peer");
          sent++;
        }
        await new Promise((r) => setImmediate(r));
      }
      const ok = new Message("still fine");
      ok.pipe = fastId;
      await hub.send(ok);
      assert.equal((await fast.recv({ timeout: 2_000 })).text(), "still fine");
      assert.equal(hub.stats().pipes, 2);
    } finally {
      slow?.destroy();
      await Promise.all([hub.close(), fast.close()]);
    }
  });
});
