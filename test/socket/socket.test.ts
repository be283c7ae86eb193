import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Aio, Message, NngError, Pair0, Pair1, Pull0, Push0, type Socket } from "../../src/index.js";
import { rejectsWith } from "../helpers/nng.js";

let seq = 0;
const inprocUrl = (): string => `inproc://socket-test-${process.pid}-${++seq}`;

/** Runs one sendAio and resolves with the aio once its callback ran. */
function sendAio(sock: Socket, msg: Message | null, timeout?: number, before?: (aio: Aio) => void): Promise<Aio> {
  return new Promise((resolve) => {
    const aio = new Aio((a) => resolve(a));
    aio.msg = msg;
    if (timeout !== undefined) aio.timeout = timeout;
    sock.sendAio(aio);
    before?.(aio);
  });
}

function errCode(aio: Aio): string | undefined {
  return aio.result === 0 ? undefined : aio.result.code;
}

describe("sendAio: each error it can return, provoked for real; the message stays on the aio", () => {
  it("success takes the message off the aio (the socket owns it)", async () => {
    const url = inprocUrl();
    const pull = new Pull0();
    const push = new Push0();
    try {
      await pull.listen(url);
      await push.dial(url);
      const msg = new Message("owned");
      const aio = await sendAio(push, msg);
      assert.equal(aio.result, 0);
      assert.equal(aio.msg, null);
      assert.equal((await pull.recv({ timeout: 2000 })).text(), "owned");
    } finally {
      await push.close();
      await pull.close();
    }
  });

  it("EINVAL without a message on the aio", async () => {
    const push = new Push0();
    try {
      const aio = await sendAio(push, null);
      assert.equal(errCode(aio), "EINVAL");
    } finally {
      await push.close();
    }
  });

  it("ENOTSUP from a protocol that cannot send (pull)", async () => {
    const pull = new Pull0();
    try {
      const msg = new Message("x");
      const aio = await sendAio(pull, msg);
      assert.equal(errCode(aio), "ENOTSUP");
      assert.equal(aio.msg, msg);
    } finally {
      await pull.close();
    }
  });

  it("ETIMEDOUT: push with no peer and a send-timeout", async () => {
    const push = new Push0();
    try {
      push.sendTimeout = 30;
      const msg = new Message("x");
      const aio = await sendAio(push, msg);
      assert.equal(errCode(aio), "ETIMEDOUT");
      assert.equal(aio.msg, msg);
      // The aio's own timeout wins over the socket's default.
      push.sendTimeout = -1;
      const aio2 = await sendAio(push, msg, 20);
      assert.equal(errCode(aio2), "ETIMEDOUT");
      assert.equal(aio2.msg, msg);
    } finally {
      await push.close();
    }
  });

  it("ECANCELED when the aio is cancelled", async () => {
    const push = new Push0();
    try {
      const msg = new Message("x");
      const aio = await sendAio(push, msg, -1, (a) => setTimeout(() => a.cancel(), 10));
      assert.equal(errCode(aio), "ECANCELED");
      assert.equal(aio.msg, msg);
    } finally {
      await push.close();
    }
  });

  it("ECLOSED for a pending send when the socket closes, and for any send afterwards", async () => {
    const push = new Push0();
    const msg = new Message("x");
    const pending = sendAio(push, msg, -1);
    await new Promise((r) => setTimeout(r, 5));
    await push.close();
    const aio = await pending;
    assert.equal(errCode(aio), "ECLOSED");
    assert.equal(aio.msg, msg);
    const later = await sendAio(push, msg);
    assert.equal(errCode(later), "ECLOSED");
    assert.equal(later.msg, msg);
  });

  it("EPROTO: raw pair1 refuses a message without its hop-count header", async () => {
    const p = new Pair1({ raw: true });
    try {
      const msg = new Message("no header");
      const aio = await sendAio(p, msg);
      assert.equal(errCode(aio), "EPROTO");
      assert.equal(aio.msg, msg);
    } finally {
      await p.close();
    }
  });

  it("EAGAIN from the Promise face with nonblock", async () => {
    const push = new Push0();
    try {
      await rejectsWith(push.send("x", { nonblock: true }), "EAGAIN");
    } finally {
      await push.close();
    }
  });
});

describe("recvAio", () => {
  it("puts the received message on the aio; ETIMEDOUT, ECANCELED, ECLOSED otherwise", async () => {
    const url = inprocUrl();
    const a = new Pair0();
    const b = new Pair0();
    try {
      await a.listen(url);
      await b.dial(url);
      await b.send("hello");
      const got = await new Promise<Aio>((resolve) => {
        const aio = new Aio(resolve);
        a.recvAio(aio);
      });
      assert.equal(got.result, 0);
      assert.equal(got.msg?.text(), "hello");
      assert.ok(got.msg!.pipe > 0, "the message knows its pipe");

      const timedOut = await new Promise<Aio>((resolve) => {
        const aio = new Aio(resolve);
        aio.timeout = 20;
        a.recvAio(aio);
      });
      assert.equal(errCode(timedOut), "ETIMEDOUT");
      assert.equal(timedOut.msg, null);

      const canceled = await new Promise<Aio>((resolve) => {
        const aio = new Aio(resolve);
        a.recvAio(aio);
        aio.cancel();
      });
      assert.equal(errCode(canceled), "ECANCELED");

      const closing = new Promise<Aio>((resolve) => {
        const aio = new Aio(resolve);
        a.recvAio(aio);
      });
      await a.close();
      assert.equal(errCode(await closing), "ECLOSED");
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe("the Promise face", () => {
  it("send/recv with strings, bytes and Messages; timeout; AbortSignal; nonblock", async () => {
    const url = inprocUrl();
    const pull = new Pull0();
    const push = new Push0();
    try {
      await pull.listen(url);
      await push.dial(url);
      await push.send("text");
      await push.send(Uint8Array.of(1, 2, 3));
      await push.send(new Message("msg"));
      assert.equal((await pull.recv()).text(), "text");
      assert.deepEqual([...(await pull.recv()).body], [1, 2, 3]);
      assert.equal((await pull.recv()).text(), "msg");

      await rejectsWith(pull.recv({ timeout: 10 }), "ETIMEDOUT");
      await rejectsWith(pull.recv({ nonblock: true }), "EAGAIN");
      const ac = new AbortController();
      const p = pull.recv({ signal: ac.signal });
      ac.abort();
      await rejectsWith(p, "ECANCELED");
      await rejectsWith(pull.recv({ signal: AbortSignal.abort() }), "ECANCELED");
      pull.recvTimeout = 10;
      await rejectsWith(pull.recv(), "ETIMEDOUT");
    } finally {
      await push.close();
      await pull.close();
    }
  });

  it("async iteration yields messages until the socket closes", async () => {
    const url = inprocUrl();
    const pull = new Pull0();
    const push = new Push0();
    await pull.listen(url);
    await push.dial(url);
    for (let i = 0; i < 5; i++) await push.send(`m${i}`);
    const seen: string[] = [];
    for await (const m of pull) {
      seen.push(m.text());
      if (seen.length === 5) setTimeout(() => void pull.close(), 5);
    }
    assert.deepEqual(seen, ["m0", "m1", "m2", "m3", "m4"]);
    await push.close();
  });

  it("await using closes the socket (Symbol.asyncDispose)", async () => {
    let sock: Push0 | null = null;
    {
      await using s = new Push0();
      sock = s;
      assert.equal(s.closed, false);
    }
    assert.equal(sock.closed, true);
  });
});

describe("options", () => {
  it("reads NNG's socket options and refuses bad ones with NNG's codes", async () => {
    const s = new Pair1({ raw: false });
    try {
      assert.equal(s.getOption("protocol"), 0x11);
      assert.equal(s.getOption("protocol-name"), "pair1");
      assert.equal(s.getOption("peer"), 0x11);
      assert.equal(s.getOption("peer-name"), "pair1");
      assert.equal(s.getOption("raw"), false);
      assert.equal(s.getOption("recv-timeout"), -1);
      assert.equal(s.getOption("send-timeout"), -1);
      assert.equal(s.getOption("recv-size-max"), 0);
      assert.equal(s.getOption("reconnect-time-min"), 1000);
      assert.equal(s.getOption("reconnect-time-max"), 0);
      assert.equal(s.getOption("ttl-max"), 8);
      assert.equal(s.getOption("tcp-nodelay"), true);
      assert.equal(s.getOption("socket-name"), String(s.id));
      s.name = "worker";
      assert.equal(s.name, "worker");

      const code = (fn: () => unknown): string | undefined => {
        try {
          fn();
        } catch (e) {
          return e instanceof NngError ? e.code : "not an NngError";
        }
        return undefined;
      };
      assert.equal(code(() => s.getOption("no-such-option")), "ENOTSUP");
      assert.equal(code(() => s.setOption("no-such-option", 1)), "ENOTSUP");
      assert.equal(code(() => s.setOption("protocol", 1)), "EREADONLY");
      assert.equal(code(() => s.setOption("recv-timeout", "1")), "EBADTYPE");
      assert.equal(code(() => s.setOption("ttl-max", 16)), "EINVAL");
      assert.equal(code(() => s.setOption("recv-buffer", 8193)), "EINVAL");
      assert.equal(code(() => s.setOption("socket-name", "x".repeat(64))), "EINVAL");
      assert.equal(code(() => s.openContext()), "ENOTSUP");
    } finally {
      await s.close();
    }
    assert.throws(() => s.getOption("raw"), (e: unknown) => e instanceof NngError && e.code === "ECLOSED");
  });

  it("copies socket options into endpoints, which may override them", async () => {
    const s = new Pull0();
    try {
      s.setOption("recv-size-max", 1234);
      s.setOption("reconnect-time-min", 50);
      const d = s.createDialer("tcp://127.0.0.1:1");
      assert.equal(d.getOption("recv-size-max"), 1234);
      assert.equal(d.getOption("reconnect-time-min"), 50);
      d.setOption("recv-size-max", 99);
      assert.equal(d.getOption("recv-size-max"), 99);
      assert.equal(s.getOption("recv-size-max"), 1234);
      assert.equal(d.getOption("url"), "tcp://127.0.0.1:1");
      d.close();
    } finally {
      await s.close();
    }
  });
});

describe("close", () => {
  it("releases every port, path, socket and timer (active resources back to baseline)", async () => {
    const baseline = process.getActiveResourcesInfo().filter((r) => r !== "Timeout").length;
    const pull = new Pull0();
    const push = new Push0();
    const l = await pull.listen("tcp://127.0.0.1:0");
    await push.dial(l.getOption("url") as string);
    push.setOption("reconnect-time-min", 10);
    await push.dial("tcp://127.0.0.1:1", { nonblock: true }); // keeps retrying in the background
    await push.send("x");
    await pull.recv({ timeout: 2000 });
    const pending = rejectsWith(pull.recv(), "ECLOSED");
    await Promise.all([push.close(), pull.close()]);
    await pending;
    for (let i = 0; i < 200; i++) {
      if (process.getActiveResourcesInfo().filter((r) => r !== "Timeout").length <= baseline) break;
      await new Promise((r) => setImmediate(r));
      if (i > 50) await new Promise((r) => setTimeout(r, 10));
    }
    // Timers are counted too once the test runner's own are excluded by waiting them out.
    assert.equal(process.getActiveResourcesInfo().filter((r) => r !== "Timeout").length, baseline);
  });

  it("gives ECLOSED for every operation after close", async () => {
    const s = new Pair0();
    await s.close();
    await rejectsWith(s.send("x"), "ECLOSED");
    await rejectsWith(s.recv(), "ECLOSED");
    await assert.rejects(s.listen("inproc://x"), (e: unknown) => e instanceof NngError && e.code === "ECLOSED");
    await s.close(); // idempotent
  });

  it("stats count messages and bytes both ways", async () => {
    const url = inprocUrl();
    const a = new Pair0();
    const b = new Pair0();
    try {
      await a.listen(url);
      await b.dial(url);
      await b.send("12345");
      await a.recv();
      const sb = b.stats();
      const sa = a.stats();
      assert.equal(sb.txMsgs, 1);
      assert.equal(sb.txBytes, 5);
      assert.equal(sa.rxMsgs, 1);
      assert.equal(sa.rxBytes, 5);
      assert.equal(sa.pipes, 1);
      assert.equal(sa.listeners, 1);
      assert.equal(sb.dialers, 1);
      assert.equal(sa.protocol, "pair");
    } finally {
      await a.close();
      await b.close();
    }
  });
});
