// push0: round robin over ready pulls, send-buffer, waiting senders, ENOTSUP on receive, options.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Aio, Message, NngError, Pull0, Push0 } from "../../src/index.js";
import { sleep, until, within } from "../helpers/wait.js";

let n = 0;
const inproc = () => `inproc://push0-${process.pid}-${++n}`;

/** Drains whatever `s` has right now (nonblock receives). */
async function drain(s: Pull0): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    try {
      out.push((await s.recv({ nonblock: true })).text());
    } catch (e) {
      if (e instanceof NngError && e.code === "EAGAIN") return out;
      throw e;
    }
  }
}

describe("push0", { timeout: 20_000 }, () => {
  test("identity", async () => {
    const s = new Push0();
    try {
      assert.equal(s.getOption("protocol"), 0x50);
      assert.equal(s.getOption("protocol-name"), "push");
      assert.equal(s.getOption("peer"), 0x51);
      assert.equal(s.getOption("peer-name"), "pull");
      assert.equal(s.getOption("send-buffer"), 0);
    } finally {
      await s.close();
    }
  });

  for (const transport of ["inproc", "tcp"] as const) {
    test(`${transport}: round robin over 3 pulls`, async () => {
      const push = new Push0();
      const pulls = [new Pull0(), new Pull0(), new Pull0()];
      try {
        const l = await push.listen(transport === "tcp" ? "tcp://127.0.0.1:0" : inproc());
        const url = l.getOption("url") as string;
        for (const p of pulls) {
          p.setOption("recv-buffer", 16);
          await within(p.dial(url), 2_000, "dial");
        }
        await until(() => push.stats().pipes === 3, 2_000, "three pipes");
        for (let i = 0; i < 30; i++) await push.send(String(i), { timeout: 2_000 });
        const got: number[][] = [];
        for (const p of pulls) {
          const mine: number[] = [];
          for (let i = 0; i < 10; i++) mine.push(Number((await p.recv({ timeout: 2_000 })).text()));
          got.push(mine);
        }
        for (const mine of got) {
          // each pull gets every third message
          for (let i = 1; i < mine.length; i++) assert.equal(mine[i]! - mine[i - 1]!, 3, JSON.stringify(got));
        }
        assert.deepEqual(got.flat().sort((a, b) => a - b), Array.from({ length: 30 }, (_, i) => i));
        for (const p of pulls) assert.deepEqual(await drain(p), []);
      } finally {
        await Promise.all([push.close(), ...pulls.map((p) => p.close())]);
      }
    });
  }

  test("a pull that leaves is skipped; the others get everything", async () => {
    const url = inproc();
    const push = new Push0();
    const a = new Pull0();
    const b = new Pull0();
    try {
      await push.listen(url);
      for (const p of [a, b]) {
        p.setOption("recv-buffer", 32);
        await within(p.dial(url), 2_000, "dial");
      }
      await until(() => push.stats().pipes === 2, 2_000, "pipes");
      await b.close();
      await until(() => push.stats().pipes === 1, 2_000, "one pipe");
      for (let i = 0; i < 10; i++) await push.send(String(i), { timeout: 2_000 });
      const got: string[] = [];
      for (let i = 0; i < 10; i++) got.push((await a.recv({ timeout: 2_000 })).text());
      assert.deepEqual(got, Array.from({ length: 10 }, (_, i) => String(i)));
    } finally {
      await Promise.all([push.close(), a.close(), b.close()]);
    }
  });

  test("without a pull a send waits: ETIMEDOUT, EAGAIN (nonblock); the message stays on the aio", async () => {
    const push = new Push0();
    try {
      await assert.rejects(push.send("x", { timeout: 30 }), { code: "ETIMEDOUT" });
      await assert.rejects(push.send("x", { nonblock: true }), { code: "EAGAIN" });
      const msg = new Message("mine");
      const aio = await within(
        new Promise<Aio>((resolve) => {
          const a = new Aio(() => resolve(a));
          a.msg = msg;
          a.timeout = 20;
          push.sendAio(a);
        }),
        2_000,
        "sendAio",
      );
      assert.ok(aio.result instanceof NngError && aio.result.code === "ETIMEDOUT");
      assert.equal(aio.msg, msg);
    } finally {
      await push.close();
    }
  });

  test("a waiting send completes when a pull arrives", async () => {
    const url = inproc();
    const push = new Push0();
    const pull = new Pull0();
    try {
      const sending = push.send("waited", { timeout: 3_000 });
      await sleep(20);
      await pull.listen(url);
      await within(push.dial(url), 2_000, "dial");
      await within(sending, 3_000, "the waiting send");
      assert.equal((await pull.recv({ timeout: 2_000 })).text(), "waited");
    } finally {
      await Promise.all([push.close(), pull.close()]);
    }
  });

  test("send-buffer: that many sends are accepted at once, then senders wait; delivered in order later", async () => {
    const url = inproc();
    const push = new Push0();
    const pull = new Pull0();
    try {
      push.setOption("send-buffer", 4);
      assert.equal(push.getOption("send-buffer"), 4);
      for (let i = 0; i < 4; i++) await push.send(`b${i}`, { nonblock: true });
      await assert.rejects(push.send("b4", { nonblock: true }), { code: "EAGAIN" });
      const waiting = push.send("b4", { timeout: 3_000 });
      // growing the buffer admits the waiting sender
      push.setOption("send-buffer", 5);
      await within(waiting, 1_000, "admitted by a bigger buffer");
      pull.setOption("recv-buffer", 16);
      await pull.listen(url);
      await within(push.dial(url), 2_000, "dial");
      const got: string[] = [];
      for (let i = 0; i < 5; i++) got.push((await pull.recv({ timeout: 2_000 })).text());
      assert.deepEqual(got, ["b0", "b1", "b2", "b3", "b4"]);
      assert.throws(() => push.setOption("send-buffer", 8193), { code: "EINVAL" });
      assert.throws(() => push.setOption("send-buffer", -1), { code: "EINVAL" });
    } finally {
      await Promise.all([push.close(), pull.close()]);
    }
  });

  test("close ends waiting sends with ECLOSED", async () => {
    const push = new Push0();
    const waiting = push.send("never");
    await push.close();
    await assert.rejects(within(waiting, 1_000, "send"), { code: "ECLOSED" });
  });

  test("recv is ENOTSUP (cooked and raw)", async () => {
    for (const raw of [false, true]) {
      const push = new Push0({ raw });
      try {
        await assert.rejects(push.recv({ timeout: 100 }), { code: "ENOTSUP", errno: 9 });
        assert.throws(() => push.openContext(), { code: "ENOTSUP" });
      } finally {
        await push.close();
      }
    }
  });

  test("raw push: same delivery, no header", async () => {
    const url = inproc();
    const push = new Push0({ raw: true });
    const pull = new Pull0({ raw: true });
    try {
      await pull.listen(url);
      await within(push.dial(url), 2_000, "dial");
      await push.send("raw", { timeout: 2_000 });
      const m = await pull.recv({ timeout: 2_000 });
      assert.equal(m.text(), "raw");
      assert.equal(m.headerLength, 0);
    } finally {
      await Promise.all([push.close(), pull.close()]);
    }
  });

  test("option errors: ENOTSUP, EBADTYPE, EREADONLY, EINVAL", async () => {
    const s = new Push0();
    try {
      assert.throws(() => s.setOption("sub:subscribe", "x"), { code: "ENOTSUP" });
      assert.throws(() => s.getOption("ttl-max"), { code: "ENOTSUP" });
      assert.throws(() => s.setOption("send-timeout", "1" as unknown as number), { code: "EBADTYPE" });
      assert.throws(() => s.setOption("send-timeout", true as unknown as number), { code: "EBADTYPE" });
      assert.throws(() => s.setOption("protocol", 0x51), { code: "EREADONLY" });
      assert.throws(() => s.setOption("protocol-name", "pull"), { code: "EREADONLY" });
      assert.throws(() => s.setOption("reconnect-time-min", -1), { code: "EINVAL" });
      assert.throws(() => s.setOption("recv-size-max", -1), { code: "EINVAL" });
      assert.equal(s.getOption("protocol"), 0x50);
    } finally {
      await s.close();
    }
  });
});
