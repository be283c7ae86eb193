import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Aio, Message, NngError, Rep0, Req0, type Socket } from "../../src/index.js";
import { closeAll, sleep, until } from "../helpers/wait.js";
import { aioCode, recvAio, rejectsWith, sendAio } from "../helpers/nng.js";

let seq = 0;
const inprocUrl = (): string => `inproc://req0-test-${process.pid}-${++seq}`;

/** Listens `reps` on fresh inproc urls, dials `req` to each, waits for the pipes. */
async function connect(req: Socket, ...reps: Socket[]): Promise<void> {
  for (const rep of reps) {
    const url = inprocUrl();
    await rep.listen(url);
    await req.dial(url);
  }
  await until(() => req.pipes.length === reps.length && reps.every((r) => r.pipes.length === 1));
}

/** A raw rep reply to `req` (a raw rep's received message): same header, new body. */
function replyTo(req: Message, body: string): Message {
  const m = new Message(body);
  m.headerAppend(req.header);
  return m;
}

describe("req0", () => {
  it("identifies as req, peer rep; has req:resend-time (60000) and ttl-max", async () => {
    const req = new Req0();
    try {
      assert.equal(req.getOption("protocol"), 0x30);
      assert.equal(req.getOption("protocol-name"), "req");
      assert.equal(req.getOption("peer"), 0x31);
      assert.equal(req.getOption("peer-name"), "rep");
      assert.equal(req.resendTime, 60000);
      req.resendTime = 250;
      assert.equal(req.getOption("req:resend-time"), 250);
      req.resendTime = -1;
      assert.equal(req.resendTime, -1);
      assert.equal(req.getOption("ttl-max"), 8);
      assert.throws(() => req.setOption("req:resend-time", "x"), (e: unknown) => e instanceof NngError && e.code === "EBADTYPE");
      assert.throws(() => req.setOption("req:resend-time", -2), (e: unknown) => e instanceof NngError && e.code === "EINVAL");
    } finally {
      await req.close();
    }
  });

  it("a request gets its reply; the req sees an empty header, the rep's request id has bit 31 set", async () => {
    const req = new Req0();
    const rep = new Rep0({ raw: true });
    try {
      await connect(req, rep);
      await req.send("ping");
      const got = await rep.recv({ timeout: 2000 });
      assert.equal(got.text(), "ping");
      assert.equal(got.headerLength, 8); // raw rep: [pipe id][request id]
      assert.equal(got.headerPeekU32(0), got.pipe);
      const id = got.headerPeekU32(4);
      assert.ok(id >= 0x80000000);
      await rep.send(replyTo(got, "pong"));
      const reply = await req.recv({ timeout: 2000 });
      assert.equal(reply.text(), "pong");
      assert.equal(reply.headerLength, 0);
      assert.ok(reply.pipe > 0);
      // The next request gets the next id.
      await req.send("again");
      const next = await rep.recv({ timeout: 2000 });
      assert.equal(next.headerPeekU32(4), id === 0xffffffff ? 0x80000000 : id + 1);
    } finally {
      await closeAll(req, rep);
    }
  });

  it("recv before any send: ESTATE; recv after the reply was taken: ESTATE", async () => {
    const req = new Req0();
    const rep = new Rep0();
    try {
      await rejectsWith(req.recv({ timeout: 100 }), "ESTATE");
      await connect(req, rep);
      await req.send("a");
      await rep.recv({ timeout: 2000 });
      await rep.send("b");
      assert.equal((await req.recv({ timeout: 2000 })).text(), "b");
      await rejectsWith(req.recv({ timeout: 100 }), "ESTATE");
    } finally {
      await closeAll(req, rep);
    }
  });

  it("a second recv while one is pending: ESTATE", async () => {
    const req = new Req0();
    const rep = new Rep0();
    try {
      await connect(req, rep);
      await req.send("a");
      const first = req.recv({ timeout: 2000 });
      await rejectsWith(req.recv({ timeout: 100 }), "ESTATE");
      await rep.recv({ timeout: 2000 });
      await rep.send("b");
      assert.equal((await first).text(), "b");
    } finally {
      await closeAll(req, rep);
    }
  });

  it("resends after req:resend-time: the rep sees the same request again", async () => {
    const req = new Req0();
    const rep = new Rep0({ raw: true });
    try {
      req.resendTime = 100;
      await connect(req, rep);
      await req.send("again?");
      const first = await rep.recv({ timeout: 2000 });
      const second = await rep.recv({ timeout: 2000 });
      assert.equal(second.text(), "again?");
      assert.deepEqual(second.header, first.header); // same pipe, same request id
      await rep.send(replyTo(second, "done"));
      assert.equal((await req.recv({ timeout: 2000 })).text(), "done");
      // Answered: no more resends.
      await rejectsWith(rep.recv({ timeout: 300 }), "ETIMEDOUT");
    } finally {
      await closeAll(req, rep);
    }
  });

  it("a lowered resend-time applies to the next request at once (no resend timer left at the old time)", async () => {
    const req = new Req0();
    const rep = new Rep0({ raw: true });
    try {
      await connect(req, rep);
      await req.send("slow"); // resend-time 60 s: its timer is armed
      const q = await rep.recv({ timeout: 2000 });
      await rep.send(replyTo(q, "ok"));
      await req.recv({ timeout: 2000 });
      req.resendTime = 100;
      await req.send("fast");
      const first = await rep.recv({ timeout: 2000 });
      const again = await rep.recv({ timeout: 2000 });
      assert.equal(again.text(), "fast");
      assert.deepEqual(again.header, first.header);
    } finally {
      await closeAll(req, rep);
    }
  });

  it("a resend comes resend-time after its own request, even when the timer was armed by an earlier one", async () => {
    const req = new Req0();
    const rep = new Rep0({ raw: true });
    try {
      req.resendTime = 400;
      await connect(req, rep);
      await req.send("one");
      await rep.send(replyTo(await rep.recv({ timeout: 2000 }), "ok"));
      assert.equal((await req.recv({ timeout: 2000 })).text(), "ok");
      await sleep(200); // the timer of "one" is due in ~200 ms
      await req.send("two");
      const sent = performance.now();
      assert.equal((await rep.recv({ timeout: 2000 })).text(), "two");
      const again = await rep.recv({ timeout: 2000 });
      const after = performance.now() - sent;
      assert.equal(again.text(), "two");
      assert.ok(after >= 350, `resent ${after.toFixed(0)} ms after the request, not its own 400`);
    } finally {
      await closeAll(req, rep);
    }
  });

  it("a busy context keeps resending at resend-time while requests come and go", async () => {
    const req = new Req0();
    const rep = new Rep0({ raw: true });
    try {
      req.resendTime = 150;
      await connect(req, rep);
      // Answered requests in quick succession must not push the next one's resend out.
      for (let i = 0; i < 5; i++) {
        await req.send(`q${i}`);
        const q = await rep.recv({ timeout: 2000 });
        await sleep(40);
        await rep.send(replyTo(q, "a"));
        await req.recv({ timeout: 2000 });
      }
      const t0 = performance.now();
      await req.send("last");
      await rep.recv({ timeout: 2000 });
      const again = await rep.recv({ timeout: 2000 });
      assert.equal(again.text(), "last");
      const waited = performance.now() - t0;
      assert.ok(waited >= 140, `resent after ${waited} ms, before resend-time`);
    } finally {
      await closeAll(req, rep);
    }
  });

  it("a long resend-time does not hold the process open once the reply came (sockets left open)", async () => {
    const { spawnSync } = await import("node:child_process");
    const index = new URL("../../src/index.js", import.meta.url).href;
    const script = `
      const { Rep0, Req0 } = await import(${JSON.stringify(index)});
      const req = new Req0(); const rep = new Rep0();
      req.resendTime = 60000;
      await rep.listen("inproc://keepalive"); await req.dial("inproc://keepalive");
      await req.send("ping"); await rep.recv(); await rep.send("pong"); await req.recv();
      console.log("done");`;
    const started = Date.now();
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 10_000 });
    assert.equal(r.stdout.trim(), "done", r.stderr);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(Date.now() - started < 8_000, "the process exited without waiting for the resend timer");
  });

  it("resend disabled (<= 0): the request goes out once", async () => {
    const req = new Req0();
    const rep = new Rep0();
    try {
      req.resendTime = 0;
      await connect(req, rep);
      await req.send("once");
      await rep.recv({ timeout: 2000 });
      await rejectsWith(rep.recv({ timeout: 300 }), "ETIMEDOUT");
    } finally {
      await closeAll(req, rep);
    }
  });

  it("send, send, recv: only the second reply is returned; a recv pending on the first ends ECANCELED", async () => {
    const req = new Req0();
    const rep = new Rep0();
    try {
      await connect(req, rep);
      await req.send("abc");
      const pending = req.recv({ timeout: 2000 });
      const r1 = await rep.recv({ timeout: 2000 });
      assert.equal(r1.text(), "abc");
      await req.send("def");
      await rejectsWith(pending, "ECANCELED");
      // The late reply to "abc" is dropped.
      await rep.send("abc");
      const r2 = await rep.recv({ timeout: 2000 });
      assert.equal(r2.text(), "def");
      await rep.send("def");
      assert.equal((await req.recv({ timeout: 2000 })).text(), "def");
      await rejectsWith(req.recv({ timeout: 100 }), "ESTATE");
      assert.ok((req.stats().counters["rx-drop"] ?? 0) >= 1);
    } finally {
      await closeAll(req, rep);
    }
  });

  it("replies with an unknown id are dropped", async () => {
    const req = new Req0();
    const rep = new Rep0({ raw: true });
    try {
      await connect(req, rep);
      await req.send("q");
      const got = await rep.recv({ timeout: 2000 });
      const wrong = new Message("wrong");
      wrong.headerAppendU32(got.headerPeekU32(0));
      wrong.headerAppendU32((got.headerPeekU32(4) ^ 1) >>> 0);
      await rep.send(wrong);
      await rep.send(replyTo(got, "right"));
      assert.equal((await req.recv({ timeout: 2000 })).text(), "right");
    } finally {
      await closeAll(req, rep);
    }
  });

  it("a reply shorter than 4 bytes closes the pipe", async () => {
    const req = new Req0();
    const rep = new Rep0({ raw: true });
    try {
      await connect(req, rep);
      await req.send("q");
      const got = await rep.recv({ timeout: 2000 });
      const bad = new Message("xy");
      bad.headerAppendU32(got.headerPeekU32(0)); // routed to the pipe, no request id at all
      await rep.send(bad);
      await until(() => req.pipes.length === 0);
      assert.equal(req.stats().counters["rx-malformed"], 1);
    } finally {
      await closeAll(req, rep);
    }
  });

  it("pipe lost with resend disabled: the pending recv ends ECONNRESET", async () => {
    const req = new Req0();
    const rep = new Rep0();
    try {
      req.resendTime = -1;
      await connect(req, rep);
      await req.send("q");
      const pending = req.recv({ timeout: 3000 });
      await rep.recv({ timeout: 2000 });
      rep.pipes[0]!.close();
      await rejectsWith(pending, "ECONNRESET");
      await rejectsWith(req.recv({ timeout: 100 }), "ESTATE");
    } finally {
      await closeAll(req, rep);
    }
  });

  it("pipe lost with resend disabled while another rep is connected: ECONNRESET, and the other rep never sees the request", async () => {
    const req = new Req0();
    const rep1 = new Rep0();
    const rep2 = new Rep0();
    try {
      req.resendTime = 0;
      await connect(req, rep1);
      await req.send("ping");
      await rep1.recv({ timeout: 2000 });
      const url2 = inprocUrl();
      await rep2.listen(url2);
      await req.dial(url2);
      await until(() => req.pipes.length === 2 && rep2.pipes.length === 1);
      rep1.pipes[0]!.close();
      await rejectsWith(req.recv({ timeout: 2000 }), "ECONNRESET");
      await rejectsWith(rep2.recv({ timeout: 300 }), "ETIMEDOUT");
    } finally {
      await closeAll(req, rep1, rep2);
    }
  });

  it("a reply waiting unreceived is discarded by the next send (NNG's cancel_post_recv)", async () => {
    const req = new Req0();
    const rep = new Rep0();
    try {
      await connect(req, rep);
      await req.send("ONE");
      assert.equal((await rep.recv({ timeout: 2000 })).text(), "ONE");
      await rep.send("one");
      await sleep(50); // the reply has arrived and waits in the req
      await req.send("TWO");
      assert.equal((await rep.recv({ timeout: 2000 })).text(), "TWO");
      await rep.send("two");
      assert.equal((await req.recv({ timeout: 2000 })).text(), "two");
    } finally {
      await closeAll(req, rep);
    }
  });

  it("pipe lost with resend disabled and no recv yet: the next recv reports ECONNRESET once", async () => {
    const req = new Req0();
    const rep = new Rep0();
    try {
      req.resendTime = 0;
      await connect(req, rep);
      await req.send("q");
      await rep.recv({ timeout: 2000 });
      rep.pipes[0]!.close();
      await until(() => req.pipes.length === 0);
      await rejectsWith(req.recv({ timeout: 100 }), "ECONNRESET");
      await rejectsWith(req.recv({ timeout: 100 }), "ESTATE");
    } finally {
      await closeAll(req, rep);
    }
  });

  it("pipe lost: the request is resent at once on another ready pipe (long resend-time)", async () => {
    const req = new Req0();
    const repA = new Rep0();
    const repB = new Rep0();
    try {
      await connect(req, repA, repB);
      const seen = new Map<Rep0, Message>();
      const watch = (rep: Rep0) =>
        rep.recv({ timeout: 3000 }).then(
          (m) => void seen.set(rep, m),
          () => {},
        );
      const wa = watch(repA);
      const wb = watch(repB);
      await req.send("survive");
      await until(() => seen.size === 1);
      const [first] = [...seen.keys()];
      const other = first === repA ? repB : repA;
      first!.pipes[0]!.close();
      await Promise.all([wa, wb]);
      assert.equal(seen.get(other)?.text(), "survive");
      await other.send("ok");
      assert.equal((await req.recv({ timeout: 2000 })).text(), "ok");
    } finally {
      await closeAll(req, repA, repB);
    }
  });

  it("load-balances requests over two reps", async () => {
    const req = new Req0();
    const repA = new Rep0();
    const repB = new Rep0();
    const counts = new Map<Rep0, number>([
      [repA, 0],
      [repB, 0],
    ]);
    const serve = async (rep: Rep0) => {
      for (;;) {
        let m: Message;
        try {
          m = await rep.recv();
        } catch {
          return;
        }
        counts.set(rep, counts.get(rep)! + 1);
        await rep.send(m);
      }
    };
    try {
      await connect(req, repA, repB);
      const servers = [serve(repA), serve(repB)];
      for (let i = 0; i < 20; i++) {
        await req.send(`r${i}`);
        assert.equal((await req.recv({ timeout: 2000 })).text(), `r${i}`);
      }
      assert.equal(counts.get(repA)! + counts.get(repB)!, 20);
      assert.ok(counts.get(repA)! >= 5 && counts.get(repB)! >= 5, `unbalanced: ${[...counts.values()]}`);
      await closeAll(repA, repB);
      await Promise.all(servers);
    } finally {
      await closeAll(req, repA, repB);
    }
  });

  it("a request waits for a pipe: it goes out when a rep connects", async () => {
    const req = new Req0();
    const rep = new Rep0();
    try {
      const url = inprocUrl();
      const sent = req.send("early", { timeout: 3000 });
      const reply = req.recv({ timeout: 3000 });
      await sleep(20);
      await rep.listen(url);
      await req.dial(url);
      await sent;
      assert.equal((await rep.recv({ timeout: 2000 })).text(), "early");
      await rep.send("late");
      assert.equal((await reply).text(), "late");
    } finally {
      await closeAll(req, rep);
    }
  });

  it("nonblock recv before the reply: EAGAIN, and the request stays alive", async () => {
    const req = new Req0();
    const rep = new Rep0();
    try {
      await connect(req, rep);
      await req.send("q");
      await rejectsWith(req.recv({ nonblock: true }), "EAGAIN");
      await rep.recv({ timeout: 2000 });
      await rep.send("r");
      assert.equal((await req.recv({ timeout: 2000 })).text(), "r");
    } finally {
      await closeAll(req, rep);
    }
  });

  it("a recv timeout abandons the exchange: the late reply is dropped, the next recv is ESTATE", async () => {
    const req = new Req0();
    const rep = new Rep0();
    try {
      await connect(req, rep);
      await req.send("q");
      await rejectsWith(req.recv({ timeout: 50 }), "ETIMEDOUT");
      await rep.recv({ timeout: 2000 });
      await rep.send("late");
      await sleep(30);
      await rejectsWith(req.recv({ timeout: 100 }), "ESTATE");
    } finally {
      await closeAll(req, rep);
    }
  });

  it("pipe lost: exactly the requests that went out on it are resent on the other pipe, the rest untouched", async () => {
    const req = new Req0();
    const repA = new Rep0({ raw: true });
    const repB = new Rep0({ raw: true });
    try {
      await connect(req, repA, repB);
      const n = 40;
      const ctxs = Array.from({ length: n }, () => req.openContext());
      await Promise.all(ctxs.map((c, i) => c.send(`q${i}`)));
      const replies = ctxs.map((c) => c.recv({ timeout: 5000 }));
      // Round robin: half went to each rep.
      const take = async (rep: Rep0, k: number) => Promise.all(Array.from({ length: k }, () => rep.recv({ timeout: 3000 })));
      const onA = await take(repA, n / 2);
      const onB = await take(repB, n / 2);
      repA.pipes[0]!.close();
      // A's requests come again on B, at once (resend-time is 60 s); B's own are not resent.
      const again = await take(repB, n / 2);
      assert.deepEqual(again.map((m) => m.text()).sort(), onA.map((m) => m.text()).sort());
      await rejectsWith(repB.recv({ timeout: 200 }), "ETIMEDOUT");
      for (const m of [...onB, ...again]) await repB.send(replyTo(m, `a:${m.text()}`));
      (await Promise.all(replies)).forEach((m, i) => assert.equal(m.text(), `a:q${i}`));
    } finally {
      await closeAll(req, repA, repB);
    }
  });

  it("a stopped aio is refused (ECANCELED) and changes nothing: the previous request and its reply live on", async () => {
    const req = new Req0();
    const rep = new Rep0();
    try {
      await connect(req, rep);
      await req.send("first");
      const stopped = new Aio();
      await stopped.stop();
      const m = new Message("second");
      stopped.msg = m;
      req.sendAio(stopped);
      await stopped.wait();
      assert.equal(aioCode(stopped), "ECANCELED");
      assert.equal(stopped.msg, m);
      assert.equal(m.headerLength, 0);
      assert.equal((await rep.recv({ timeout: 2000 })).text(), "first");
      await rep.send("reply");
      await sleep(20); // the reply is waiting in the req
      // A stopped recv does not take the waiting reply either.
      stopped.msg = null;
      req.recvAio(stopped);
      await stopped.wait();
      assert.equal(aioCode(stopped), "ECANCELED");
      assert.equal((await req.recv({ timeout: 2000 })).text(), "reply");
    } finally {
      await closeAll(req, rep);
    }
  });

  describe("message ownership: on every error the message stays on the aio", () => {
    it("send with no pipe: ETIMEDOUT (send-timeout), nonblock, cancel", async () => {
      const req = new Req0();
      try {
        const m1 = new Message("t");
        let a = await sendAio(req, m1, 50);
        assert.equal(aioCode(a), "ETIMEDOUT");
        assert.equal(a.msg, m1);
        assert.equal(m1.headerLength, 0);
        assert.equal(m1.text(), "t");

        req.sendTimeout = 30;
        const m2 = new Message("d");
        a = await sendAio(req, m2);
        assert.equal(aioCode(a), "ETIMEDOUT");
        assert.equal(a.msg, m2);

        const m3 = new Message("n");
        a = await sendAio(req, m3, 0);
        assert.equal(aioCode(a), "ETIMEDOUT");
        assert.equal(a.msg, m3);

        const m4 = new Message("c");
        const aio = new Aio();
        aio.msg = m4;
        aio.timeout = -1;
        req.sendAio(aio);
        aio.cancel();
        await aio.wait();
        assert.equal(aioCode(aio), "ECANCELED");
        assert.equal(aio.msg, m4);
        assert.equal(m4.headerLength, 0);
      } finally {
        await req.close();
      }
    });

    it("a waiting send cancelled by a new send: ECANCELED; by close: ECLOSED; after close: ECLOSED", async () => {
      const req = new Req0();
      const m1 = new Message("one");
      const m2 = new Message("two");
      const first = sendAio(req, m1, -1);
      const second = sendAio(req, m2, -1);
      const a1 = await first;
      assert.equal(aioCode(a1), "ECANCELED");
      assert.equal(a1.msg, m1);
      assert.equal(m1.headerLength, 0);
      const closing = req.close();
      const a2 = await second;
      assert.equal(aioCode(a2), "ECLOSED");
      assert.equal(a2.msg, m2);
      await closing;
      const m3 = new Message("three");
      const a3 = await sendAio(req, m3);
      assert.equal(aioCode(a3), "ECLOSED");
      assert.equal(a3.msg, m3);
      const r = await recvAio(req);
      assert.equal(aioCode(r), "ECLOSED");
      assert.equal(r.msg, null);
    });

    it("a waiting send ends when its recv is cancelled (the exchange is abandoned)", async () => {
      const req = new Req0();
      try {
        const m = new Message("x");
        const s = sendAio(req, m, -1);
        const raio = new Aio();
        raio.timeout = -1;
        req.recvAio(raio);
        raio.cancel();
        const a = await s;
        assert.equal(aioCode(a), "ECANCELED");
        assert.equal(a.msg, m);
        await raio.wait();
        assert.equal(aioCode(raio), "ECANCELED");
      } finally {
        await req.close();
      }
    });

    it("a successful send takes the message", async () => {
      const req = new Req0();
      const rep = new Rep0();
      try {
        await connect(req, rep);
        const a = await sendAio(req, new Message("mine"));
        assert.equal(aioCode(a), "ok");
        assert.equal(a.msg, null);
      } finally {
        await closeAll(req, rep);
      }
    });
  });

  describe("contexts", () => {
    it("inherit the socket's timeouts and resend-time at open; their own changes stay theirs", async () => {
      const req = new Req0();
      try {
        req.recvTimeout = 1234;
        req.sendTimeout = 2345;
        req.resendTime = 3456;
        const ctx = req.openContext();
        assert.equal(ctx.getOption("recv-timeout"), 1234);
        assert.equal(ctx.getOption("send-timeout"), 2345);
        assert.equal(ctx.getOption("req:resend-time"), 3456);
        ctx.setOption("req:resend-time", 100);
        ctx.setOption("recv-timeout", 10);
        assert.equal(req.resendTime, 3456);
        assert.equal(req.recvTimeout, 1234);
        req.resendTime = 5;
        assert.equal(ctx.getOption("req:resend-time"), 100);
        assert.throws(() => ctx.setOption("req:resend-time", "x"), (e: unknown) => e instanceof NngError && e.code === "EBADTYPE");
        assert.throws(() => ctx.getOption("ttl-max"), (e: unknown) => e instanceof NngError && e.code === "ENOTSUP");
        ctx.close();
      } finally {
        await req.close();
      }
    });

    it("a raw req has no contexts", async () => {
      const req = new Req0({ raw: true });
      try {
        assert.throws(() => req.openContext(), (e: unknown) => e instanceof NngError && e.code === "ENOTSUP");
      } finally {
        await req.close();
      }
    });

    it("closing a context ends only its own recv (ECLOSED)", async () => {
      const req = new Req0();
      const rep = new Rep0();
      try {
        await connect(req, rep);
        const c1 = req.openContext();
        const c2 = req.openContext();
        await c1.send("one");
        await c2.send("two");
        const p1 = c1.recv({ timeout: 3000 });
        const p2 = c2.recv({ timeout: 3000 });
        c1.close();
        await rejectsWith(p1, "ECLOSED");
        await rejectsWith(c1.send("again"), "ECLOSED");
        const r1 = await rep.recv({ timeout: 2000 });
        await rep.send(`re:${r1.text()}`);
        const r2 = await rep.recv({ timeout: 2000 });
        await rep.send(`re:${r2.text()}`);
        assert.equal((await p2).text(), "re:two");
      } finally {
        await closeAll(req, rep);
      }
    });

    it("each context keeps its own resend-time", async () => {
      const req = new Req0();
      const rep = new Rep0({ raw: true });
      try {
        await connect(req, rep);
        const fast = req.openContext();
        fast.setOption("req:resend-time", 80);
        await fast.send("fast");
        await req.send("slow"); // the default context: 60 s
        const seen: string[] = [];
        for (let i = 0; i < 4; i++) seen.push((await rep.recv({ timeout: 2000 })).text());
        assert.equal(seen.filter((s) => s === "slow").length, 1);
        assert.equal(seen.filter((s) => s === "fast").length, 3);
      } finally {
        await closeAll(req, rep);
      }
    });

    it("a context's send-timeout applies to its sends only", async () => {
      const req = new Req0();
      try {
        const ctx = req.openContext();
        ctx.setOption("send-timeout", 20);
        await rejectsWith(ctx.send("x"), "ETIMEDOUT");
        const m = new Message("y");
        const a = await sendAio(ctx, m);
        assert.equal(aioCode(a), "ETIMEDOUT");
        assert.equal(a.msg, m);
      } finally {
        await req.close();
      }
    });
  });

  describe("raw", () => {
    it("sends the application's header untouched and receives replies with the id in the header", async () => {
      const req = new Req0({ raw: true });
      const rep = new Rep0();
      try {
        await connect(req, rep);
        const m = new Message("raw");
        m.headerAppendU32(0x80000042);
        await req.send(m);
        const got = await rep.recv({ timeout: 2000 });
        assert.equal(got.text(), "raw");
        await rep.send("back");
        const reply = await req.recv({ timeout: 2000 });
        assert.equal(reply.text(), "back");
        assert.deepEqual([...reply.header], [0x80, 0, 0, 0x42]);
      } finally {
        await closeAll(req, rep);
      }
    });

    it("replies carrying device hops keep the whole backtrace in the header", async () => {
      const req = new Req0({ raw: true });
      const rep = new Rep0();
      try {
        await connect(req, rep);
        const m = new Message("hop");
        m.headerAppendU32(7);
        m.headerAppendU32(0x80000001);
        await req.send(m);
        await rep.recv({ timeout: 2000 });
        await rep.send("ok");
        const reply = await req.recv({ timeout: 2000 });
        assert.equal(reply.headerLength, 8);
        assert.equal(reply.headerPeekU32(0), 7);
        assert.equal(reply.headerPeekU32(4), 0x80000001);
      } finally {
        await closeAll(req, rep);
      }
    });
  });
});
