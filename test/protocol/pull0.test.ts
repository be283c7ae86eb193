// pull0: fair queuing over pushes, recv-buffer bounds, timeouts, ENOTSUP on send, options.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Aio, Message, NngError, Pull0, Push0 } from "../../src/index.js";
import { sleep, until, within } from "../helpers/wait.js";

let n = 0;
const inproc = () => `inproc://pull0-${process.pid}-${++n}`;

describe("pull0", { timeout: 20_000 }, () => {
  test("identity", async () => {
    const s = new Pull0();
    try {
      assert.equal(s.getOption("protocol"), 0x51);
      assert.equal(s.getOption("protocol-name"), "pull");
      assert.equal(s.getOption("peer"), 0x50);
      assert.equal(s.getOption("peer-name"), "push");
      assert.equal(s.getOption("recv-buffer"), 0);
    } finally {
      await s.close();
    }
  });

  for (const transport of ["inproc", "tcp"] as const) {
    test(`${transport}: fair queuing from 3 pushes that all have messages waiting`, async () => {
      const pull = new Pull0();
      const pushes = [new Push0(), new Push0(), new Push0()];
      try {
        const l = await pull.listen(transport === "tcp" ? "tcp://127.0.0.1:0" : inproc());
        const url = l.getOption("url") as string;
        for (const p of pushes) await within(p.dial(url), 2_000, "dial");
        await until(() => pull.stats().pipes === 3, 2_000, "three pipes");
        // every push queues 10 messages before the pull reads any
        await within(
          Promise.all(pushes.map(async (p, who) => {
            for (let i = 0; i < 10; i++) await p.send(`${who}:${i}`, { timeout: 2_000 });
          })),
          3_000,
          "sends",
        );
        await until(() => pull.stats().rxMsgs >= 3, 2_000, "a message from each push");
        const order: string[] = [];
        for (let i = 0; i < 30; i++) order.push((await pull.recv({ timeout: 2_000 })).text());
        // per sender, in order
        for (let who = 0; who < 3; who++) {
          assert.deepEqual(
            order.filter((m) => m.startsWith(`${who}:`)),
            Array.from({ length: 10 }, (_, i) => `${who}:${i}`),
          );
        }
        // no push waits behind another: every window of 6 has all three senders
        for (let at = 0; at + 6 <= order.length; at += 6) {
          const senders = new Set(order.slice(at, at + 6).map((m) => m[0]));
          assert.equal(senders.size, 3, `window ${at}: ${order.join(" ")}`);
        }
      } finally {
        await Promise.all([pull.close(), ...pushes.map((p) => p.close())]);
      }
    });
  }

  test("recv-buffer bounds the queue; resizing it lets more in", async () => {
    const url = inproc();
    const pull = new Pull0();
    const push = new Push0();
    try {
      await pull.listen(url);
      await within(push.dial(url), 2_000, "dial");
      for (let i = 0; i < 40; i++) await push.send(String(i), { timeout: 2_000 });
      await sleep(20);
      assert.equal(pull.stats().rxMsgs, 1, "recv-buffer 0: one message taken");
      pull.setOption("recv-buffer", 7);
      await until(() => pull.stats().rxMsgs === 7, 2_000, "seven taken");
      await sleep(20);
      assert.equal(pull.stats().rxMsgs, 7);
      for (let i = 0; i < 40; i++) assert.equal((await pull.recv({ timeout: 2_000 })).text(), String(i));
      assert.throws(() => pull.setOption("recv-buffer", 8193), { code: "EINVAL" });
      assert.throws(() => pull.setOption("recv-buffer", -1), { code: "EINVAL" });
      pull.setOption("recv-buffer", 8192);
    } finally {
      await Promise.all([pull.close(), push.close()]);
    }
  });

  test("messages already received survive their pipe's close", async () => {
    const url = inproc();
    const pull = new Pull0();
    const push = new Push0();
    try {
      pull.setOption("recv-buffer", 8);
      await pull.listen(url);
      await within(push.dial(url), 2_000, "dial");
      for (let i = 0; i < 3; i++) await push.send(`kept-${i}`, { timeout: 2_000 });
      await until(() => pull.stats().rxMsgs === 3, 2_000, "received");
      await push.close();
      await until(() => pull.stats().pipes === 0, 2_000, "pipe gone");
      for (let i = 0; i < 3; i++) assert.equal((await pull.recv({ timeout: 2_000 })).text(), `kept-${i}`);
    } finally {
      await Promise.all([pull.close(), push.close()]);
    }
  });

  test("recv: ETIMEDOUT (option and per call), EAGAIN, ECLOSED; a pending recv gets the next message", async () => {
    const url = inproc();
    const pull = new Pull0();
    const push = new Push0();
    try {
      await assert.rejects(pull.recv({ timeout: 20 }), { code: "ETIMEDOUT", errno: 5 });
      await assert.rejects(pull.recv({ nonblock: true }), { code: "EAGAIN", errno: 8 });
      pull.setOption("recv-timeout", 20);
      await assert.rejects(pull.recv(), { code: "ETIMEDOUT" });
      pull.setOption("recv-timeout", -1);
      const pending = pull.recv();
      await pull.listen(url);
      await within(push.dial(url), 2_000, "dial");
      await push.send("for the waiter", { timeout: 2_000 });
      assert.equal((await within(pending, 2_000, "recv")).text(), "for the waiter");
      const cancelled = new AbortController();
      const aborted = pull.recv({ signal: cancelled.signal });
      cancelled.abort();
      await assert.rejects(within(aborted, 1_000, "recv"), { code: "ECANCELED" });
      const last = pull.recv();
      await pull.close();
      await assert.rejects(within(last, 1_000, "recv"), { code: "ECLOSED" });
    } finally {
      await Promise.all([pull.close(), push.close()]);
    }
  });

  test("send is ENOTSUP (cooked and raw) and the message stays on the aio", async () => {
    for (const raw of [false, true]) {
      const pull = new Pull0({ raw });
      try {
        await assert.rejects(pull.send("x"), { code: "ENOTSUP" });
        const msg = new Message("mine");
        const aio = await within(
          new Promise<Aio>((resolve) => {
            const a = new Aio(() => resolve(a));
            a.msg = msg;
            pull.sendAio(a);
          }),
          1_000,
          "sendAio",
        );
        assert.ok(aio.result instanceof NngError && aio.result.code === "ENOTSUP");
        assert.equal(aio.msg, msg);
      } finally {
        await pull.close();
      }
    }
  });

  test("option errors: ENOTSUP, EBADTYPE, EREADONLY, EINVAL", async () => {
    const s = new Pull0();
    try {
      assert.throws(() => s.getOption("bogus"), { code: "ENOTSUP" });
      assert.throws(() => s.setOption("ttl-max", 2), { code: "ENOTSUP" });
      assert.throws(() => s.setOption("recv-timeout", 1.25), { code: "EBADTYPE" });
      assert.throws(() => s.setOption("recv-size-max", "1k" as unknown as number), { code: "EBADTYPE" });
      assert.throws(() => s.setOption("socket-name", 5 as unknown as string), { code: "EBADTYPE" });
      assert.throws(() => s.setOption("protocol", 0x50), { code: "EREADONLY" });
      assert.throws(() => s.setOption("peer", 0x50), { code: "EREADONLY" });
      assert.throws(() => s.setOption("socket-name", "x".repeat(64)), { code: "EINVAL" });
      assert.throws(() => s.setOption("recv-timeout", -3), { code: "EINVAL" });
      s.setOption("socket-name", "x".repeat(63));
      assert.equal(s.name, "x".repeat(63));
    } finally {
      await s.close();
    }
  });
});
