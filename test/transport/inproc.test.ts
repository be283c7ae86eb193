// The inproc transport: messages pass by reference, addresses, flow control, connection lifecycle.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Message, Pair0, Pair1, Pull0, Push0 } from "../../src/index.js";
import { until, within } from "../helpers/wait.js";

let n = 0;
const fresh = (tag: string) => `inproc://${tag}-${process.pid}-${++n}`;

describe("inproc transport", { timeout: 20_000 }, () => {
  test("the receiver gets the very Message object that was sent (no serialization)", async () => {
    const url = fresh("same");
    const a = new Pair0();
    const b = new Pair0();
    try {
      await a.listen(url);
      await within(b.dial(url), 2_000, "dial");
      const sent = new Message("by reference");
      const bodyBuffer = sent.body.buffer;
      await b.send(sent, { timeout: 2_000 });
      const got = await a.recv({ timeout: 2_000 });
      assert.equal(got, sent, "same object");
      assert.equal(got.body.buffer, bodyBuffer, "same storage");
      assert.equal(got.text(), "by reference");
      assert.equal(got.pipe, a.pipes[0]!.id);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test("pair1 over inproc: the hop count travels in front of the same body storage", async () => {
    const url = fresh("pair1");
    const a = new Pair1();
    const b = new Pair1();
    try {
      await a.listen(url);
      await within(b.dial(url), 2_000, "dial");
      const sent = new Message(new Uint8Array(4096).fill(9));
      const bodyBuffer = sent.body.buffer;
      await b.send(sent, { timeout: 2_000 });
      const got = await a.recv({ timeout: 2_000 });
      assert.equal(got.body.buffer, bodyBuffer, "no copy on the way");
      assert.equal(Buffer.from(got.header).toString("hex"), "00000001");
      assert.equal(got.length, 4096);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test("pipes report inproc addresses with the name", async () => {
    const url = fresh("addr");
    const name = url.slice("inproc://".length);
    const a = new Pair0();
    const b = new Pair0();
    try {
      const l = await a.listen(url);
      assert.equal(l.getOption("url"), url);
      assert.deepEqual(l.getOption("local-address"), { family: "inproc", path: name });
      await within(b.dial(url), 2_000, "dial");
      await until(() => a.pipes.length === 1 && b.pipes.length === 1, 2_000, "pipes");
      for (const p of [a.pipes[0]!, b.pipes[0]!]) {
        assert.deepEqual(p.getOption("local-address"), { family: "inproc", path: name });
        assert.deepEqual(p.getOption("remote-address"), { family: "inproc", path: name });
      }
      assert.equal(a.pipes[0]!.peer, 0x10);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test("flow control: a stalled pull makes the push wait (ETIMEDOUT) with bounded queues, nothing lost", async () => {
    const url = fresh("flow");
    const pull = new Pull0();
    const push = new Push0();
    try {
      pull.setOption("recv-buffer", 3);
      await pull.listen(url);
      await within(push.dial(url), 2_000, "dial");
      let sent = 0;
      let failure: unknown;
      while (sent < 10_000) {
        try {
          await push.send(String(sent), { timeout: 50 });
          sent++;
        } catch (e) {
          failure = e;
          break;
        }
      }
      assert.equal((failure as { code?: string } | undefined)?.code, "ETIMEDOUT", `sent ${sent} without blocking`);
      assert.ok(sent < 1000, `bounded: ${sent} messages accepted before the push had to wait`);
      assert.ok(pull.stats().rxMsgs <= 3 + 1, `pull took ${pull.stats().rxMsgs}`);
      for (let i = 0; i < sent; i++) assert.equal((await pull.recv({ timeout: 2_000 })).text(), String(i));
      await assert.rejects(pull.recv({ timeout: 50 }), { code: "ETIMEDOUT" });
      await push.send("flows again", { timeout: 2_000 });
      assert.equal((await pull.recv({ timeout: 2_000 })).text(), "flows again");
    } finally {
      await Promise.all([pull.close(), push.close()]);
    }
  });

  test("zero-length messages and headers survive", async () => {
    const url = fresh("zero");
    const a = new Pair0();
    const b = new Pair0();
    try {
      await a.listen(url);
      await within(b.dial(url), 2_000, "dial");
      await b.send(new Uint8Array(0), { timeout: 2_000 });
      const m = await a.recv({ timeout: 2_000 });
      assert.equal(m.length, 0);
      assert.equal(m.headerLength, 0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test("closing one side removes the pipe on the other; the name is free again", async () => {
    const url = fresh("close");
    const a = new Pair0();
    const b = new Pair0();
    const removed: number[] = [];
    a.pipeNotify("rem-post", (p) => removed.push(p.id));
    try {
      await a.listen(url);
      await within(b.dial(url), 2_000, "dial");
      await until(() => a.pipes.length === 1, 2_000, "pipe");
      const id = a.pipes[0]!.id;
      await b.close();
      await until(() => removed.length === 1, 2_000, "rem-post");
      assert.deepEqual(removed, [id]);
      assert.equal(a.stats().pipes, 0);
      await a.close();
      const c = new Pair0();
      try {
        await within(c.listen(url), 2_000, "listen again on a released name");
      } finally {
        await c.close();
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test("a pending receive ends ECLOSED when its socket closes", async () => {
    const a = new Pull0();
    await a.listen(fresh("closed"));
    const pending = a.recv();
    await a.close();
    await assert.rejects(within(pending, 2_000, "recv"), { code: "ECLOSED" });
  });
});
