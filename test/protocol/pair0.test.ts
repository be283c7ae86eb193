// pair0: one peer at a time, both directions, no header; buffers, timeouts, options, raw mode.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Aio, Message, NngError, Pair0 } from "../../src/index.js";
import { sleep, until, within } from "../helpers/wait.js";

let n = 0;
const inproc = () => `inproc://pair0-${process.pid}-${++n}`;

/** Runs one aio operation and waits for its callback. */
function runAio(start: (aio: Aio) => void, aio: Aio): Promise<Aio> {
  return within(
    new Promise<Aio>((resolve) => {
      const a = new Aio(() => resolve(a));
      a.msg = aio.msg;
      a.timeout = aio.timeout;
      start(a);
    }),
    3_000,
    "aio",
  );
}

describe("pair0", { timeout: 20_000 }, () => {
  test("identity and defaults", async () => {
    const s = new Pair0();
    try {
      assert.equal(s.getOption("protocol"), 0x10);
      assert.equal(s.getOption("protocol-name"), "pair");
      assert.equal(s.getOption("peer"), 0x10);
      assert.equal(s.getOption("peer-name"), "pair");
      assert.equal(s.getOption("raw"), false);
      assert.equal(s.getOption("recv-buffer"), 0);
      assert.equal(s.getOption("send-buffer"), 0);
      assert.equal(s.getOption("recv-timeout"), -1);
      assert.equal(s.getOption("send-timeout"), -1);
      assert.equal(new Pair0({ raw: true }).getOption("raw"), true);
    } finally {
      await s.close();
    }
  });

  for (const raw of [false, true]) {
    test(`${raw ? "raw" : "cooked"}: messages both ways, in order, no header`, async () => {
      const url = inproc();
      const a = new Pair0({ raw });
      const b = new Pair0({ raw });
      try {
        await a.listen(url);
        await within(b.dial(url), 2_000, "dial");
        for (let i = 0; i < 5; i++) await b.send(`b${i}`, { timeout: 2_000 });
        for (let i = 0; i < 5; i++) await a.send(`a${i}`, { timeout: 2_000 });
        for (let i = 0; i < 5; i++) {
          const m = await a.recv({ timeout: 2_000 });
          assert.equal(m.text(), `b${i}`);
          assert.equal(m.headerLength, 0);
        }
        for (let i = 0; i < 5; i++) assert.equal((await b.recv({ timeout: 2_000 })).text(), `a${i}`);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });
  }

  test("a second peer is rejected (counter reject) and the first keeps working", async () => {
    for (const url of [inproc(), "tcp://127.0.0.1:0"]) {
      const a = new Pair0();
      const b = new Pair0();
      const c = new Pair0();
      try {
        const l = await a.listen(url);
        const addr = url.startsWith("tcp") ? `tcp://127.0.0.1:${l.getOption("tcp-bound-port")}` : url;
        await within(b.dial(addr), 2_000, "first dial");
        await until(() => a.stats().pipes === 1, 2_000, "first pipe");
        c.setOption("reconnect-time-min", 1000);
        await within(c.dial(addr), 2_000, "second dial");
        await until(() => a.stats().reject >= 1, 2_000, "the second peer rejected");
        assert.equal(a.stats().counters["reject"], a.stats().reject);
        assert.ok((a.stats().counters["reject-already"] ?? 0) >= 1);
        assert.equal(a.stats().pipes, 1);
        await b.send("first", { timeout: 2_000 });
        const m = await a.recv({ timeout: 2_000 });
        assert.equal(m.text(), "first");
        await a.send("back", { timeout: 2_000 });
        assert.equal((await b.recv({ timeout: 2_000 })).text(), "back");
      } finally {
        await Promise.all([a.close(), b.close(), c.close()]);
      }
    }
  });

  test("after the peer leaves, a new peer is accepted", async () => {
    const url = inproc();
    const a = new Pair0();
    const b = new Pair0();
    const c = new Pair0();
    try {
      await a.listen(url);
      await within(b.dial(url), 2_000, "dial");
      await until(() => a.stats().pipes === 1, 2_000, "pipe");
      await b.close();
      await until(() => a.stats().pipes === 0, 2_000, "pipe gone");
      await within(c.dial(url), 2_000, "dial");
      await c.send("new peer", { timeout: 2_000 });
      assert.equal((await a.recv({ timeout: 2_000 })).text(), "new peer");
      assert.equal(a.stats().reject, 0);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  test("send without a peer waits: ETIMEDOUT, EAGAIN when nonblock, the message stays on the aio", async () => {
    const s = new Pair0();
    try {
      await assert.rejects(s.send("nobody", { timeout: 50 }), { code: "ETIMEDOUT" });
      await assert.rejects(s.send("nobody", { nonblock: true }), { code: "EAGAIN" });
      s.setOption("send-timeout", 30);
      await assert.rejects(s.send("nobody"), { code: "ETIMEDOUT" });
      const msg = new Message("kept");
      const aio = new Aio();
      aio.msg = msg;
      aio.timeout = 20;
      const done = await runAio((a) => s.sendAio(a), aio);
      assert.ok(done.result instanceof NngError && done.result.code === "ETIMEDOUT");
      assert.equal(done.msg, msg, "a failed send leaves the message with the caller");
    } finally {
      await s.close();
    }
  });

  test("send-buffer holds messages until a peer arrives, then they go out in order", async () => {
    const url = inproc();
    const a = new Pair0();
    const b = new Pair0();
    try {
      b.setOption("send-buffer", 3);
      for (let i = 0; i < 3; i++) await b.send(`queued-${i}`, { nonblock: true });
      await assert.rejects(b.send("one too many", { nonblock: true }), { code: "EAGAIN" });
      await a.listen(url);
      await within(b.dial(url), 2_000, "dial");
      for (let i = 0; i < 3; i++) assert.equal((await a.recv({ timeout: 2_000 })).text(), `queued-${i}`);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test("recv-buffer bounds what is taken from the peer", async () => {
    const url = inproc();
    const a = new Pair0();
    const b = new Pair0();
    try {
      a.setOption("recv-buffer", 5);
      await a.listen(url);
      await within(b.dial(url), 2_000, "dial");
      for (let i = 0; i < 20; i++) await b.send(`m${i}`, { timeout: 2_000 });
      await sleep(30);
      assert.equal(a.stats().rxMsgs, 5);
      a.setOption("recv-buffer", 10);
      await until(() => a.stats().rxMsgs === 10, 2_000, "more taken after growing the buffer");
      await sleep(20);
      assert.equal(a.stats().rxMsgs, 10);
      for (let i = 0; i < 20; i++) assert.equal((await a.recv({ timeout: 2_000 })).text(), `m${i}`);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test("recv: ETIMEDOUT, EAGAIN, ECLOSED for pending and later operations", async () => {
    const s = new Pair0();
    await assert.rejects(s.recv({ timeout: 20 }), { code: "ETIMEDOUT" });
    await assert.rejects(s.recv({ nonblock: true }), { code: "EAGAIN" });
    const pending = s.recv();
    const pendingSend = s.send("x");
    await s.close();
    await assert.rejects(within(pending, 1_000, "recv"), { code: "ECLOSED" });
    await assert.rejects(within(pendingSend, 1_000, "send"), { code: "ECLOSED" });
    await assert.rejects(s.recv(), { code: "ECLOSED" });
    await assert.rejects(s.send("y"), { code: "ECLOSED" });
    assert.throws(() => s.getOption("recv-buffer"), { code: "ECLOSED" });
  });

  test("option errors: ENOTSUP, EBADTYPE, EREADONLY, EINVAL", async () => {
    const s = new Pair0();
    try {
      assert.throws(() => s.getOption("no-such-option"), { code: "ENOTSUP", errno: 9 });
      assert.throws(() => s.setOption("no-such-option", 1), { code: "ENOTSUP" });
      assert.throws(() => s.setOption("ttl-max", 4), { code: "ENOTSUP" }, "pair0 has no ttl-max");
      assert.throws(() => s.setOption("pair1:polyamorous", true), { code: "ENOTSUP" });
      assert.throws(() => s.setOption("recv-buffer", "8" as unknown as number), { code: "EBADTYPE", errno: 30 });
      assert.throws(() => s.setOption("recv-buffer", 1.5), { code: "EBADTYPE" });
      assert.throws(() => s.setOption("protocol", 0x11), { code: "EREADONLY", errno: 24 });
      assert.throws(() => s.setOption("raw", true), { code: "EREADONLY" });
      assert.throws(() => s.setOption("peer-name", "x"), { code: "EREADONLY" });
      assert.throws(() => s.setOption("recv-buffer", 8193), { code: "EINVAL", errno: 3 });
      assert.throws(() => s.setOption("recv-buffer", -1), { code: "EINVAL" });
      assert.throws(() => s.setOption("send-buffer", 8193), { code: "EINVAL" });
      assert.throws(() => s.setOption("recv-timeout", -2), { code: "EINVAL" });
      s.setOption("recv-buffer", 8192);
      s.setOption("send-buffer", 0);
      assert.equal(s.getOption("recv-buffer"), 8192);
    } finally {
      await s.close();
    }
  });
});
