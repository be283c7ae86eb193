import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Message, NngError, Respondent0, Surveyor0 } from "../../src/index.js";
import { sleep, until } from "../helpers/wait.js";
import { aioCode, recvAio, rejectsWith, sendAio } from "../helpers/nng.js";

let seq = 0;
const inprocUrl = (): string => `inproc://respondent0-test-${process.pid}-${++seq}`;

/** A raw surveyor's survey: `hops` device words, then the survey id. */
function survey(body: string, id: number, hops = 0): Message {
  const m = new Message(body);
  for (let i = 0; i < hops; i++) m.headerAppendU32(i + 1);
  m.headerAppendU32((id | 0x80000000) >>> 0);
  return m;
}

/** Runs `fn` with a respondent listening and a surveyor (raw or cooked) dialed in. */
async function withPair<S extends Surveyor0>(
  surveyor: S,
  respondent: Respondent0,
  fn: (s: S, r: Respondent0) => Promise<void>,
): Promise<void> {
  try {
    const url = inprocUrl();
    await respondent.listen(url);
    await surveyor.dial(url);
    await until(() => respondent.pipes.length === 1 && surveyor.pipes.length === 1, 2000);
    await fn(surveyor, respondent);
  } finally {
    await surveyor.close();
    await respondent.close();
  }
}

describe("respondent0", { timeout: 20_000 }, () => {
  it("send without a survey: ESTATE, and the message stays on the aio", async () => {
    const r = new Respondent0();
    try {
      const msg = new Message("unasked");
      const aio = await sendAio(r, msg);
      assert.equal(aioCode(aio), "ESTATE");
      assert.equal(aio.msg, msg);
      await rejectsWith(r.send("again"), "ESTATE");
    } finally {
      await r.close();
    }
  });

  it("answers once per survey: the second send is ESTATE; the answer carries the survey id back", async () => {
    await withPair(new Surveyor0({ raw: true }), new Respondent0(), async (s, r) => {
      await s.send(survey("q", 0x1234));
      const q = await r.recv({ timeout: 2000 });
      assert.equal(q.text(), "q");
      assert.equal(q.headerLength, 0, "a cooked respondent hands out no header");
      const reply = new Message("a");
      reply.headerAppendU32(99); // replaced by the backtrace
      await r.send(reply);
      const msg2 = new Message("a2");
      const second = await sendAio(r, msg2);
      assert.equal(aioCode(second), "ESTATE");
      assert.equal(second.msg, msg2);
      const m = await s.recv({ timeout: 2000 });
      assert.equal(m.text(), "a");
      assert.deepEqual([...m.header], [0x80, 0, 0x12, 0x34]);
    });
  });

  it("a second recv pending on the same context: ESTATE", async () => {
    const r = new Respondent0();
    try {
      const first = recvAio(r, 2000);
      const second = await recvAio(r);
      assert.equal(aioCode(second), "ESTATE");
      const ctx = r.openContext();
      const other = recvAio(ctx, 50); // another context may wait at the same time
      assert.equal(aioCode(await other), "ETIMEDOUT");
      ctx.close();
      await r.close();
      assert.equal(aioCode(await first), "ECLOSED");
    } finally {
      await r.close();
    }
  });

  it("keeps device hops: a backtrace of 8 words (7 hops + id) goes and comes back whole", async () => {
    await withPair(new Surveyor0({ raw: true }), new Respondent0(), async (s, r) => {
      await s.send(survey("deep", 5, 7));
      const q = await r.recv({ timeout: 2000 });
      await r.send(`re:${q.text()}`);
      const m = await s.recv({ timeout: 2000 });
      assert.equal(m.text(), "re:deep");
      assert.equal(m.headerLength, 32);
      assert.equal(m.headerPeekU32(0), 1);
      assert.equal(m.headerPeekU32(24), 7);
      assert.equal(m.headerPeekU32(28), 0x80000005);
    });
  });

  it("drops, silently, a survey with 9 backtrace words (8 hops + id) past ttl-max 8, counting ttl-drop", async () => {
    await withPair(new Surveyor0({ raw: true }), new Respondent0(), async (s, r) => {
      await s.send(survey("too deep", 1, 8));
      await s.send(survey("fine", 2, 7));
      const q = await r.recv({ timeout: 2000 });
      assert.equal(q.text(), "fine");
      assert.equal(r.stats().counters["ttl-drop"], 1);
      assert.equal(r.pipes.length, 1, "a ttl drop keeps the pipe");
      // With ttl-max 15 the same survey passes.
      r.setOption("ttl-max", 15);
      await s.send(survey("now ok", 3, 8));
      assert.equal((await r.recv({ timeout: 2000 })).text(), "now ok");
      assert.throws(() => r.setOption("ttl-max", 16), (e: unknown) => e instanceof NngError && e.code === "EINVAL");
    });
  });

  it("a survey without a terminating id closes the pipe", async () => {
    await withPair(new Surveyor0({ raw: true }), new Respondent0(), async (s, r) => {
      const bad = new Message("");
      bad.headerAppendU32(1); // a hop, and then nothing
      await s.send(bad);
      await until(() => r.pipes.length === 0, 2000);
      assert.equal(r.stats().counters["rx-malformed"], 1);
    });
  });

  it("the response goes back on the survey's pipe; dropped (send still succeeds) when that pipe is gone", async () => {
    const url = inprocUrl();
    const r = new Respondent0();
    const s1 = new Surveyor0();
    const s2 = new Surveyor0();
    try {
      await r.listen(url);
      await s1.dial(url);
      await s2.dial(url);
      await until(() => r.pipes.length === 2, 2000);
      s1.surveyTime = 3000;
      s2.surveyTime = 3000;
      await s1.send("from s1");
      await s2.send("from s2");
      const rc1 = r.openContext();
      const rc2 = r.openContext();
      const q1 = await rc1.recv({ timeout: 2000 });
      const q2 = await rc2.recv({ timeout: 2000 });
      await rc1.send(`re:${q1.text()}`);
      await rc2.send(`re:${q2.text()}`);
      assert.equal((await s1.recv({ timeout: 2000 })).text(), "re:from s1");
      assert.equal((await s2.recv({ timeout: 2000 })).text(), "re:from s2");
      // s1 asks again and leaves before the answer.
      await s1.send("bye");
      const q3 = await rc1.recv({ timeout: 2000 });
      await s1.close();
      await until(() => r.pipes.length === 1, 2000);
      const msg = new Message(`re:${q3.text()}`);
      const sent = await sendAio(rc1, msg);
      assert.equal(aioCode(sent), "ok");
      assert.equal(sent.msg, null);
      rc1.close();
      rc2.close();
    } finally {
      await s1.close();
      await s2.close();
      await r.close();
    }
  });

  it("surveys wait (the pipe paused) until a context receives them", async () => {
    await withPair(new Surveyor0({ raw: true }), new Respondent0(), async (s, r) => {
      for (let i = 0; i < 5; i++) await s.send(survey(`q${i}`, 100 + i));
      await sleep(20);
      for (let i = 0; i < 5; i++) {
        const q = await r.recv({ timeout: 2000 });
        assert.equal(q.text(), `q${i}`);
        await r.send(`a${i}`);
      }
      for (let i = 0; i < 5; i++) {
        const m = await s.recv({ timeout: 2000 });
        assert.equal(m.text(), `a${i}`);
        assert.equal(m.headerPeekU32(0), (0x80000000 | (100 + i)) >>> 0);
      }
    });
  });

  it("contexts answer concurrent surveys independently; a response waits for a busy pipe, or fails keeping its message", async () => {
    // inproc reports "busy" once 128 messages wait for the peer: 140 answers in one turn overflow it.
    const n = 140;
    await withPair(new Surveyor0({ raw: true }), new Respondent0(), async (s, r) => {
      const ctxs = Array.from({ length: n }, () => r.openContext());
      const received = Promise.all(ctxs.map((c) => c.recv({ timeout: 3000 })));
      for (let i = 0; i < n; i++) await s.send(survey(`q${i}`, i));
      const qs = await received;
      // Answer all at once, in one turn; the last ones wait for the pipe.
      const sends = ctxs.map((c, i) => sendAio(c, new Message(`a:${qs[i]!.text()}`)));
      const answers = new Map<number, string>();
      for (let i = 0; i < n; i++) {
        const m = await s.recv({ timeout: 3000 });
        answers.set(m.headerPeekU32(0) & 0x7fffffff, m.text());
      }
      assert.deepEqual((await Promise.all(sends)).map(aioCode), Array(n).fill("ok"));
      // Each answer went back with its own survey's id.
      assert.deepEqual([...answers.entries()].sort((a, b) => a[0] - b[0]), Array.from({ length: n }, (_, i) => [i, `a:q${i}`]));

      // Again, but the answers that find the pipe busy may not wait (timeout 0): ETIMEDOUT, message kept.
      const received2 = Promise.all(ctxs.map((c) => c.recv({ timeout: 3000 })));
      for (let i = 0; i < n; i++) await s.send(survey(`z${i}`, 1000 + i));
      await received2;
      const msgs = ctxs.map((_, i) => new Message(`b${i}`));
      const results = await Promise.all(ctxs.map((c, i) => sendAio(c, msgs[i]!, 0)));
      const failed = results.filter((a) => aioCode(a) !== "ok");
      assert.ok(failed.length > 0, "some answers found the pipe busy");
      for (const a of failed) {
        assert.equal(aioCode(a), "ETIMEDOUT");
        assert.ok(a.msg !== null && msgs.includes(a.msg), "the message stays on the aio");
        assert.equal(a.msg.headerLength, 0);
      }
      for (const a of results.filter((x) => aioCode(x) === "ok")) assert.equal(a.msg, null);
      // The failed ones used up their survey (as in NNG): ESTATE now.
      const idx = results.indexOf(failed[0]!);
      await rejectsWith(ctxs[idx]!.send("retry"), "ESTATE");
      for (const c of ctxs) c.close();
    });
  });

  it("closing a context ends only its own operations (ECLOSED); context timeouts are inherited at open", async () => {
    const r = new Respondent0();
    try {
      r.recvTimeout = 4321;
      const a = r.openContext();
      const b = r.openContext();
      assert.equal(a.getOption("recv-timeout"), 4321);
      assert.equal(a.getOption("send-timeout"), -1);
      a.setOption("recv-timeout", 5000);
      assert.equal(r.recvTimeout, 4321);
      assert.throws(() => a.getOption("surveyor:survey-time"), (e: unknown) => e instanceof NngError && e.code === "ENOTSUP");
      const pa = recvAio(a);
      const pb = recvAio(b, 200);
      const pd = recvAio(r, 200);
      await sleep(10);
      a.close();
      assert.equal(aioCode(await pa), "ECLOSED");
      assert.equal(aioCode(await pb), "ETIMEDOUT");
      assert.equal(aioCode(await pd), "ETIMEDOUT");
      await rejectsWith(a.recv(), "ECLOSED");
      b.close();
    } finally {
      await r.close();
    }
  });

  describe("raw", () => {
    it("puts the pipe id then the backtrace in the header; a send routes by the popped pipe id", async () => {
      await withPair(new Surveyor0(), new Respondent0({ raw: true }), async (s, r) => {
        assert.throws(() => r.openContext(), (e: unknown) => e instanceof NngError && e.code === "ENOTSUP");
        s.surveyTime = 2000;
        await s.send("ping");
        const q = await r.recv({ timeout: 2000 });
        assert.equal(q.headerLength, 8);
        assert.equal(q.headerPeekU32(0), r.pipes[0]!.id);
        assert.ok(q.headerPeekU32(4) & 0x80000000);
        // No ESTATE in raw mode: a message with an unknown pipe id is dropped, the send succeeds.
        const stray = new Message("stray");
        stray.headerAppendU32(0x7ffffff0);
        stray.headerAppendU32(q.headerPeekU32(4));
        await r.send(stray);
        await r.send("no header at all");
        const a = new Message("pong");
        a.headerAppend(q.header);
        await r.send(a);
        const m = await s.recv({ timeout: 2000 });
        assert.equal(m.text(), "pong");
        await rejectsWith(s.recv({ timeout: 100 }), "ETIMEDOUT");
        assert.equal(r.stats().counters["tx-drop"], 2);
      });
    });

    it("drops surveys past ttl-max too", async () => {
      await withPair(new Surveyor0({ raw: true }), new Respondent0({ raw: true }), async (s, r) => {
        await s.send(survey("x", 1, 8));
        await s.send(survey("y", 2, 7));
        const q = await r.recv({ timeout: 2000 });
        assert.equal(q.text(), "y");
        assert.equal(q.headerLength, 4 + 32);
        assert.equal(r.stats().counters["ttl-drop"], 1);
      });
    });
  });
});
