import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Aio, Message, NngError, Rep0, Req0, type Socket } from "../../src/index.js";
import { closeAll, sleep, until } from "../helpers/wait.js";
import { aioCode, rejectsWith, sendAio } from "../helpers/nng.js";

let seq = 0;
const inprocUrl = (): string => `inproc://rep0-test-${process.pid}-${++seq}`;

/** Listens `rep`, dials each of `reqs` to it, waits for the pipes. */
async function connect(rep: Socket, ...reqs: Socket[]): Promise<void> {
  const url = inprocUrl();
  await rep.listen(url);
  for (const req of reqs) await req.dial(url);
  await until(() => rep.pipes.length === reqs.length && reqs.every((r) => r.pipes.length === 1));
}

/** A raw request: `hops` device words, then the request id. */
function request(body: string | Uint8Array, id: number, hops = 0): Message {
  const m = new Message(body);
  for (let i = 0; i < hops; i++) m.headerAppendU32(i + 1);
  m.headerAppendU32((id | 0x80000000) >>> 0);
  return m;
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

describe("rep0", () => {
  it("identifies as rep, peer req; ttlMax is 8 by default, 1..15", async () => {
    const rep = new Rep0();
    try {
      assert.equal(rep.getOption("protocol"), 0x31);
      assert.equal(rep.getOption("peer-name"), "req");
      assert.equal(rep.ttlMax, 8);
      rep.ttlMax = 15;
      assert.equal(rep.getOption("ttl-max"), 15);
      assert.throws(() => (rep.ttlMax = 0), (e: unknown) => e instanceof NngError && e.code === "EINVAL");
      assert.throws(() => (rep.ttlMax = 16), (e: unknown) => e instanceof NngError && e.code === "EINVAL");
      assert.throws(() => rep.getOption("req:resend-time"), (e: unknown) => e instanceof NngError && e.code === "ENOTSUP");
    } finally {
      await rep.close();
    }
  });

  it("send without a pending request: ESTATE (the message stays); a second reply: ESTATE", async () => {
    const rep = new Rep0();
    const req = new Req0();
    try {
      const m = new Message("nobody asked");
      const a = await sendAio(rep, m);
      assert.equal(aioCode(a), "ESTATE");
      assert.equal(a.msg, m);
      await connect(rep, req);
      await req.send("q");
      const got = await rep.recv({ timeout: 2000 });
      assert.equal(got.headerLength, 0);
      await rep.send("first");
      await rejectsWith(rep.send("second"), "ESTATE");
      assert.equal((await req.recv({ timeout: 2000 })).text(), "first");
    } finally {
      await closeAll(rep, req);
    }
  });

  it("a second recv on a context while one is pending: ESTATE", async () => {
    const rep = new Rep0();
    try {
      const first = rep.recv({ timeout: 300 });
      await rejectsWith(rep.recv({ timeout: 300 }), "ESTATE");
      await rejectsWith(first, "ETIMEDOUT");
    } finally {
      await rep.close();
    }
  });

  it("the reply goes back on the pipe the request came from", async () => {
    const rep = new Rep0();
    const reqA = new Req0();
    const reqB = new Req0();
    try {
      await connect(rep, reqA, reqB);
      const ca = rep.openContext();
      const cb = rep.openContext();
      await reqA.send("from A");
      const ma = await ca.recv({ timeout: 2000 });
      await reqB.send("from B");
      const mb = await cb.recv({ timeout: 2000 });
      await cb.send(`re:${mb.text()}`);
      await ca.send(`re:${ma.text()}`);
      assert.equal((await reqA.recv({ timeout: 2000 })).text(), "re:from A");
      assert.equal((await reqB.recv({ timeout: 2000 })).text(), "re:from B");
    } finally {
      await closeAll(rep, reqA, reqB);
    }
  });

  it("a reply whose pipe is gone is dropped silently (the send succeeds)", async () => {
    const rep = new Rep0();
    const req = new Req0();
    try {
      await connect(rep, req);
      await req.send("q");
      await rep.recv({ timeout: 2000 });
      await req.close();
      await until(() => rep.pipes.length === 0);
      const a = await sendAio(rep, new Message("into the void"));
      assert.equal(aioCode(a), "ok");
      assert.equal(a.msg, null);
    } finally {
      await closeAll(rep, req);
    }
  });

  it("ttl: 8 backtrace words pass, 9 (8 hops + id) are dropped silently; ttlMax raises the limit", async () => {
    const rep = new Rep0();
    const req = new Req0({ raw: true });
    try {
      await connect(rep, req);
      await req.send(request("nine", 1, 8));
      await req.send(request("eight", 2, 7));
      const got = await rep.recv({ timeout: 2000 });
      assert.equal(got.text(), "eight");
      assert.equal(rep.stats().counters["ttl-drop"], 1);
      assert.equal(rep.pipes.length, 1); // not a reason to close the pipe
      await rep.send("ok");
      const reply = await req.recv({ timeout: 2000 });
      assert.equal(reply.text(), "ok");
      assert.equal(reply.headerLength, 32); // the whole backtrace came back
      rep.ttlMax = 9;
      await req.send(request("nine again", 3, 8));
      assert.equal((await rep.recv({ timeout: 2000 })).text(), "nine again");
    } finally {
      await closeAll(rep, req);
    }
  });

  it("a malformed request (no request id before the end) closes the pipe", async () => {
    const rep = new Rep0();
    const req = new Req0({ raw: true });
    try {
      await connect(rep, req);
      const m = new Message("ab");
      m.headerAppendU32(5); // a hop word, then the body ends before any request id
      await req.send(m);
      await until(() => rep.pipes.length === 0);
      assert.equal(rep.stats().counters["rx-malformed"], 1);
    } finally {
      await closeAll(rep, req);
    }
  });

  it("a busy pipe makes the reply wait (send-timeout applies; nonblock: ETIMEDOUT, message kept)", async () => {
    const rep = new Rep0();
    const req = new Req0();
    try {
      await connect(rep, req);
      const n = 300; // well past what the inproc pipe takes before it reports busy
      const served = Array.from({ length: n }, () => rep.openContext());
      const incoming = served.map((c) => c.recv({ timeout: 5000 }));
      const ctxs = Array.from({ length: n }, () => req.openContext());
      await Promise.all(ctxs.map((c, i) => c.send(`q${i}`)));
      const replies = ctxs.map((c) => c.recv({ timeout: 5000 }));
      const reqs = await Promise.all(incoming);
      // Reply synchronously in one burst: the pipe fills up and later replies must wait.
      const aios = served.map((c, i) => {
        const aio = new Aio();
        aio.msg = new Message(`re:${reqs[i]!.text()}`);
        aio.timeout = i === n - 1 ? 0 : 5000;
        c.sendAio(aio);
        return aio;
      });
      await Promise.all(aios.map((a) => a.wait()));
      const last = aios[n - 1]!;
      assert.equal(aioCode(last), "ETIMEDOUT");
      assert.equal(last.msg?.text(), `re:${reqs[n - 1]!.text()}`);
      assert.equal(last.msg?.headerLength, 0);
      assert.deepEqual(aios.slice(0, -1).map(aioCode), Array(n - 1).fill("ok"));
      // Its requester would wait forever: close that context.
      ctxs[Number(reqs[n - 1]!.text().slice(1))]!.close();
      const got = await Promise.allSettled(replies);
      const ok = got.filter((r) => r.status === "fulfilled").length;
      assert.equal(ok, n - 1);
      // The timed-out reply is gone for good: that request has had its one reply.
      await rejectsWith(served[n - 1]!.send("retry"), "ESTATE");
    } finally {
      await closeAll(rep, req);
    }
  });

  for (const transport of ["inproc", "tcp"] as const) {
    it(`${transport}: 1000 concurrent req contexts answered by 1000 rep contexts in random order`, async () => {
      const rep = new Rep0();
      const req = new Req0();
      try {
        if (transport === "inproc") await connect(rep, req);
        else {
          const l = await rep.listen("tcp://127.0.0.1:0");
          await req.dial(l.getOption("url") as string);
        }
        const n = 1000;
        const serving = Array.from({ length: n }, () => rep.openContext());
        const incoming = serving.map((c) => c.recv({ timeout: 10_000 }));
        const asking = Array.from({ length: n }, () => req.openContext());
        await Promise.all(asking.map((c, i) => c.send(`q${i}`)));
        const answers = asking.map((c) => c.recv({ timeout: 10_000 }));
        const got = await Promise.all(incoming);
        for (const i of shuffle([...Array(n).keys()])) await serving[i]!.send(`a:${got[i]!.text()}`);
        const replies = await Promise.all(answers);
        replies.forEach((m, i) => assert.equal(m.text(), `a:q${i}`));
        // Every context is free again: a second round on the same contexts works too.
        const again = serving.map((c) => c.recv({ timeout: 10_000 }));
        await Promise.all(asking.map((c, i) => c.send(`r${i}`)));
        const answers2 = asking.map((c) => c.recv({ timeout: 10_000 }));
        const got2 = await Promise.all(again);
        for (const i of shuffle([...Array(n).keys()])) await serving[i]!.send(`b:${got2[i]!.text()}`);
        (await Promise.all(answers2)).forEach((m, i) => assert.equal(m.text(), `b:r${i}`));
      } finally {
        await closeAll(rep, req);
      }
    });
  }

  it("cancelled receivers leave the queue; the others are served in the order they asked", async () => {
    const rep = new Rep0();
    const req = new Req0();
    try {
      await connect(rep, req);
      const ctxs = Array.from({ length: 5 }, () => rep.openContext());
      const aios = ctxs.map((c) => {
        const a = new Aio();
        a.timeout = -1;
        c.recvAio(a);
        return a;
      });
      aios[1]!.cancel();
      aios[3]!.cancel();
      const asking = [0, 1, 2].map(() => req.openContext());
      for (const [i, c] of asking.entries()) {
        await c.send(`q${i}`);
        await until(() => aios.filter((a) => !a.busy && a.result === 0 && a.msg !== null).length === i + 1);
      }
      assert.deepEqual(aios.map((a) => (a.result === 0 ? a.msg?.text() ?? "" : a.result.code)), ["q0", "ECANCELED", "q1", "ECANCELED", "q2"]);
    } finally {
      await closeAll(rep, req);
    }
  });

  it("closing the socket ends 20000 waiting contexts with ECLOSED", async () => {
    const rep = new Rep0();
    const n = 20_000;
    let closed = 0;
    for (let i = 0; i < n; i++) {
      const a = new Aio((x) => void (x.result !== 0 && x.result.code === "ECLOSED" && closed++));
      a.timeout = -1;
      rep.openContext().recvAio(a);
    }
    await rep.close();
    await until(() => closed === n);
  });

  it("a stopped aio is refused (ECANCELED): it takes no request and spends no reply", async () => {
    const rep = new Rep0();
    const req = new Req0();
    try {
      await connect(rep, req);
      await req.send("q");
      const stopped = new Aio();
      await stopped.stop();
      await sleep(20); // the request is waiting in the rep
      rep.recvAio(stopped);
      await stopped.wait();
      assert.equal(aioCode(stopped), "ECANCELED");
      assert.equal(stopped.msg, null);
      assert.equal((await rep.recv({ timeout: 2000 })).text(), "q");
      const m = new Message("a");
      stopped.msg = m;
      rep.sendAio(stopped);
      await stopped.wait();
      assert.equal(aioCode(stopped), "ECANCELED");
      assert.equal(stopped.msg, m);
      await rep.send("answer");
      assert.equal((await req.recv({ timeout: 2000 })).text(), "answer");
    } finally {
      await closeAll(rep, req);
    }
  });

  it("closing a context ends only its own recv (ECLOSED)", async () => {
    const rep = new Rep0();
    const req = new Req0();
    try {
      await connect(rep, req);
      const c1 = rep.openContext();
      const c2 = rep.openContext();
      const p1 = c1.recv({ timeout: 3000 });
      const p2 = c2.recv({ timeout: 3000 });
      c1.close();
      await rejectsWith(p1, "ECLOSED");
      await rejectsWith(c1.recv(), "ECLOSED");
      await req.send("for c2");
      assert.equal((await p2).text(), "for c2");
      await c2.send("from c2");
      assert.equal((await req.recv({ timeout: 2000 })).text(), "from c2");
    } finally {
      await closeAll(rep, req);
    }
  });

  it("contexts have their own timeouts, inherited at open", async () => {
    const rep = new Rep0();
    try {
      rep.recvTimeout = 40;
      const ctx = rep.openContext();
      assert.equal(ctx.getOption("recv-timeout"), 40);
      ctx.setOption("recv-timeout", 5000);
      assert.equal(rep.recvTimeout, 40);
      const pending = ctx.recv();
      await rejectsWith(rep.recv(), "ETIMEDOUT");
      ctx.close();
      await rejectsWith(pending, "ECLOSED");
    } finally {
      await rep.close();
    }
  });

  it("requests queue while nobody receives, and are served in arrival order", async () => {
    const rep = new Rep0();
    const reqs = [new Req0(), new Req0(), new Req0()];
    try {
      await connect(rep, ...reqs);
      for (const [i, r] of reqs.entries()) {
        await r.send(`q${i}`);
        await sleep(10);
      }
      for (let i = 0; i < 3; i++) {
        const m = await rep.recv({ timeout: 2000 });
        assert.equal(m.text(), `q${i}`);
        await rep.send(`a${i}`);
      }
      for (const [i, r] of reqs.entries()) assert.equal((await r.recv({ timeout: 2000 })).text(), `a${i}`);
    } finally {
      await closeAll(rep, ...reqs);
    }
  });

  it("close ends pending operations with ECLOSED", async () => {
    const rep = new Rep0();
    const ctx = rep.openContext();
    const p1 = rep.recv();
    const p2 = ctx.recv();
    await rep.close();
    await rejectsWith(p1, "ECLOSED");
    await rejectsWith(p2, "ECLOSED");
    await rejectsWith(ctx.recv(), "ECLOSED");
  });

  describe("raw", () => {
    it("receives [pipe id][request id] in the header and routes a send by the pipe id", async () => {
      const rep = new Rep0({ raw: true });
      const reqA = new Req0();
      const reqB = new Req0();
      try {
        await connect(rep, reqA, reqB);
        await reqA.send("A");
        await reqB.send("B");
        const m1 = await rep.recv({ timeout: 2000 });
        const m2 = await rep.recv({ timeout: 2000 });
        for (const m of [m1, m2]) {
          assert.equal(m.headerLength, 8);
          assert.equal(m.headerPeekU32(0), m.pipe);
          assert.equal(m.headerPeekU32(0) & 0x80000000, 0);
          assert.ok(m.headerPeekU32(4) >= 0x80000000);
        }
        // Answer in the other order; each reply finds its way by the header alone.
        for (const m of [m2, m1]) {
          const r = new Message(`re:${m.text()}`);
          r.headerAppend(m.header);
          await rep.send(r);
        }
        assert.equal((await reqA.recv({ timeout: 2000 })).text(), "re:A");
        assert.equal((await reqB.recv({ timeout: 2000 })).text(), "re:B");
      } finally {
        await closeAll(rep, reqA, reqB);
      }
    });

    it("a send to an unknown pipe or without a header is dropped, and succeeds", async () => {
      const rep = new Rep0({ raw: true });
      try {
        const none = new Message("x");
        let a = await sendAio(rep, none);
        assert.equal(aioCode(a), "ok");
        const unknown = new Message("y");
        unknown.headerAppendU32(0x7fff0000);
        unknown.headerAppendU32(0x80000001);
        a = await sendAio(rep, unknown);
        assert.equal(aioCode(a), "ok");
        assert.equal(rep.stats().counters["tx-drop"], 2);
      } finally {
        await rep.close();
      }
    });

    it("drops requests over ttl-max too (the pipe id word does not count)", async () => {
      const rep = new Rep0({ raw: true });
      const req = new Req0({ raw: true });
      try {
        await connect(rep, req);
        await req.send(request("too far", 1, 8));
        await req.send(request("fine", 2, 7));
        const m = await rep.recv({ timeout: 2000 });
        assert.equal(m.text(), "fine");
        assert.equal(m.headerLength, 4 + 32);
        assert.equal(rep.stats().counters["ttl-drop"], 1);
      } finally {
        await closeAll(rep, req);
      }
    });
  });
});
