import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Message, NngError, Respondent0, Surveyor0 } from "../../src/index.js";
import { sleep, until } from "../helpers/wait.js";
import { aioCode, recvAio, rejectsWith, sendAio } from "../helpers/nng.js";

let seq = 0;
const inprocUrl = (): string => `inproc://surveyor0-test-${process.pid}-${++seq}`;

/** A surveyor listening on inproc with `n` cooked respondents dialed in. */
async function setup(n: number): Promise<{ surveyor: Surveyor0; respondents: Respondent0[]; url: string; close: () => Promise<void> }> {
  const url = inprocUrl();
  const surveyor = new Surveyor0();
  const respondents: Respondent0[] = [];
  const close = async () => {
    for (const r of respondents) await r.close();
    await surveyor.close();
  };
  try {
    await surveyor.listen(url);
    for (let i = 0; i < n; i++) {
      const r = new Respondent0();
      respondents.push(r);
      await r.dial(url);
    }
    await until(() => surveyor.pipes.length === n, 2000);
  } catch (e) {
    await close();
    throw e;
  }
  return { surveyor, respondents, url, close };
}

/** Each respondent answers one survey with `<name>:<survey body>`. */
async function answerOnce(respondents: Respondent0[], prefix = "r"): Promise<void> {
  await Promise.all(
    respondents.map(async (r, i) => {
      const q = await r.recv({ timeout: 2000 });
      await r.send(`${prefix}${i}:${q.text()}`);
    }),
  );
}

describe("surveyor0", { timeout: 20_000 }, () => {
  it("recv before any survey: ESTATE", async () => {
    const s = new Surveyor0();
    try {
      await rejectsWith(s.recv({ timeout: 1000 }), "ESTATE");
    } finally {
      await s.close();
    }
  });

  it("a survey with no pipes succeeds; then recv times out at the survey time and ESTATE follows", async () => {
    const s = new Surveyor0();
    try {
      s.surveyTime = 50;
      await s.send("anyone?");
      await rejectsWith(s.recv(), "ETIMEDOUT");
      await rejectsWith(s.recv(), "ESTATE");
    } finally {
      await s.close();
    }
  });

  it("collects every respondent's answer, then ETIMEDOUT when the survey time passes, then ESTATE", async () => {
    const { surveyor, respondents, close } = await setup(3);
    try {
      surveyor.surveyTime = 400;
      await surveyor.send("Q");
      await answerOnce(respondents);
      const got: string[] = [];
      const ids = new Set<number>();
      for (let i = 0; i < 3; i++) {
        const m = await surveyor.recv({ timeout: 2000 });
        got.push(m.text());
        // libnng keeps the survey id in the header of a cooked surveyor's responses.
        assert.equal(m.headerLength, 4);
        ids.add(m.headerPeekU32(0));
      }
      assert.deepEqual(got.sort(), ["r0:Q", "r1:Q", "r2:Q"]);
      assert.equal(ids.size, 1);
      assert.ok([...ids][0]! & 0x80000000, "survey ids have bit 31 set");
      const t0 = Date.now();
      await rejectsWith(surveyor.recv(), "ETIMEDOUT");
      assert.ok(Date.now() - t0 < 2000);
      await rejectsWith(surveyor.recv(), "ESTATE");
    } finally {
      await close();
    }
  });

  it("survey ids increase by one from survey to survey", async () => {
    const { surveyor, respondents, close } = await setup(1);
    try {
      const ids: number[] = [];
      for (let i = 0; i < 3; i++) {
        await surveyor.send(`q${i}`);
        await answerOnce(respondents);
        const m = await surveyor.recv({ timeout: 2000 });
        assert.equal(m.text(), `r0:q${i}`);
        ids.push(m.headerPeekU32(0));
      }
      for (let i = 1; i < ids.length; i++) {
        const expected = ids[i - 1] === 0xffffffff ? 0x80000000 : ids[i - 1]! + 1;
        assert.equal(ids[i], expected);
      }
    } finally {
      await close();
    }
  });

  it("a recv-timeout shorter than the survey ends the survey: ETIMEDOUT then ESTATE (as libnng)", async () => {
    const s = new Surveyor0();
    try {
      s.surveyTime = 5000;
      s.recvTimeout = 30;
      await s.send("q");
      await rejectsWith(s.recv(), "ETIMEDOUT");
      await rejectsWith(s.recv(), "ESTATE");
    } finally {
      await s.close();
    }
  });

  it("a non-blocking recv gives EAGAIN and leaves the survey running", async () => {
    const { surveyor, respondents, close } = await setup(1);
    try {
      surveyor.surveyTime = 5000;
      await surveyor.send("q");
      await rejectsWith(surveyor.recv({ nonblock: true }), "EAGAIN");
      await answerOnce(respondents);
      assert.equal((await surveyor.recv({ timeout: 2000 })).text(), "r0:q");
    } finally {
      await close();
    }
  });

  it("responses that arrive after the survey time are dropped", async () => {
    const { surveyor, respondents, close } = await setup(1);
    try {
      surveyor.surveyTime = 100;
      await surveyor.send("old");
      const r = respondents[0]!;
      const q = await r.recv({ timeout: 2000 });
      await sleep(200);
      await r.send(`late:${q.text()}`);
      await until(() => (surveyor.stats().counters["rx-drop"] ?? 0) >= 1, 2000);
      await rejectsWith(surveyor.recv(), "ESTATE");
    } finally {
      await close();
    }
  });

  it("a response to an earlier survey is dropped; the current survey's responses come through", async () => {
    const { surveyor, respondents, close } = await setup(2);
    try {
      surveyor.surveyTime = 2000;
      const [r0, r1] = respondents as [Respondent0, Respondent0];
      await surveyor.send("A");
      const qa = await r0.recv({ timeout: 2000 });
      const qa1 = await r1.recv({ timeout: 2000 }); // r1 drops survey A by taking B next
      assert.equal(qa1.text(), "A");
      await surveyor.send("B");
      await r0.send(`late:${qa.text()}`);
      const qb = await r1.recv({ timeout: 2000 });
      await r1.send(`r1:${qb.text()}`);
      const m = await surveyor.recv({ timeout: 2000 });
      assert.equal(m.text(), "r1:B");
      await until(() => (surveyor.stats().counters["rx-drop"] ?? 0) >= 1, 2000);
    } finally {
      await close();
    }
  });

  it("a new survey cancels the previous one: its pending recv ends ECANCELED", async () => {
    const { surveyor, respondents, close } = await setup(1);
    try {
      surveyor.surveyTime = 5000;
      await surveyor.send("first");
      const pending = recvAio(surveyor);
      await sleep(10);
      await surveyor.send("second");
      assert.equal(aioCode(await pending), "ECANCELED");
      const r = respondents[0]!;
      // The respondent answers "first" (too late: cancelled), then "second".
      for (let i = 0; i < 2; i++) {
        const q = await r.recv({ timeout: 2000 });
        await r.send(`re:${q.text()}`);
      }
      assert.equal((await surveyor.recv({ timeout: 2000 })).text(), "re:second");
      await rejectsWith(surveyor.recv({ timeout: 100 }), "ETIMEDOUT");
    } finally {
      await close();
    }
  });

  it("send takes the message; a failed recv leaves nothing on the aio", async () => {
    const s = new Surveyor0();
    try {
      const msg = new Message("q");
      msg.headerAppendU32(7); // replaced by the survey id
      const sent = await sendAio(s, msg);
      assert.equal(aioCode(sent), "ok");
      assert.equal(sent.msg, null);
      const ctx = s.openContext();
      const r = await recvAio(ctx);
      assert.equal(aioCode(r), "ESTATE");
      assert.equal(r.msg, null);
      ctx.close();
      const msg2 = new Message("x");
      const failed = await sendAio(ctx, msg2);
      assert.equal(aioCode(failed), "ECLOSED");
      assert.equal(failed.msg, msg2, "on failure the message stays on the aio");
    } finally {
      await s.close();
    }
  });

  it("survey-time option: default 1000, validated, inherited by contexts at open", async () => {
    const s = new Surveyor0();
    try {
      assert.equal(s.surveyTime, 1000);
      assert.equal(s.getOption("surveyor:survey-time"), 1000);
      s.surveyTime = 250;
      assert.equal(s.getOption("surveyor:survey-time"), 250);
      assert.throws(() => (s.surveyTime = -5), (e: unknown) => e instanceof NngError && e.code === "EINVAL");
      assert.equal(s.getOption("ttl-max"), 8);
      s.recvTimeout = 1234;
      const ctx = s.openContext();
      assert.equal(ctx.getOption("surveyor:survey-time"), 250);
      assert.equal(ctx.getOption("recv-timeout"), 1234);
      ctx.setOption("surveyor:survey-time", 70);
      assert.equal(ctx.getOption("surveyor:survey-time"), 70);
      assert.equal(s.surveyTime, 250, "a context's survey time is its own");
      assert.throws(() => ctx.setOption("surveyor:survey-time", -5), (e: unknown) => e instanceof NngError && e.code === "EINVAL");
      assert.throws(() => ctx.setOption("ttl-max", 3), (e: unknown) => e instanceof NngError && e.code === "ENOTSUP");
      s.surveyTime = 999;
      assert.equal(ctx.getOption("surveyor:survey-time"), 70);
      ctx.close();
    } finally {
      await s.close();
    }
  });

  it("contexts survey concurrently, each getting only the responses to its own survey", async () => {
    const { surveyor, respondents, close } = await setup(2);
    try {
      const ctxs = [surveyor.openContext(), surveyor.openContext(), surveyor.openContext()];
      for (const c of ctxs) c.setOption("surveyor:survey-time", 3000);
      await Promise.all(ctxs.map((c, i) => c.send(`q${i}`)));
      // Each respondent answers every survey it got, on one context per survey.
      await Promise.all(
        respondents.map(async (r, ri) => {
          const rctxs = ctxs.map(() => r.openContext());
          await Promise.all(
            rctxs.map(async (rc) => {
              const q = await rc.recv({ timeout: 2000 });
              await rc.send(`r${ri}:${q.text()}`);
              rc.close();
            }),
          );
        }),
      );
      const results = await Promise.all(
        ctxs.map(async (c) => [(await c.recv({ timeout: 2000 })).text(), (await c.recv({ timeout: 2000 })).text()].sort()),
      );
      assert.deepEqual(results, [
        ["r0:q0", "r1:q0"],
        ["r0:q1", "r1:q1"],
        ["r0:q2", "r1:q2"],
      ]);
      for (const c of ctxs) {
        await rejectsWith(c.recv({ timeout: 50 }), "ETIMEDOUT");
        c.close();
      }
    } finally {
      await close();
    }
  });

  it("closing a context ends only its own operations (ECLOSED)", async () => {
    const s = new Surveyor0();
    try {
      s.surveyTime = 5000;
      const a = s.openContext();
      const b = s.openContext();
      await a.send("a");
      await b.send("b");
      await s.send("default");
      const pa = recvAio(a);
      const pb = recvAio(b, 300);
      const pd = recvAio(s, 300);
      await sleep(10);
      a.close();
      assert.equal(aioCode(await pa), "ECLOSED");
      assert.equal(aioCode(await pb), "ETIMEDOUT");
      assert.equal(aioCode(await pd), "ETIMEDOUT");
      await rejectsWith(a.recv(), "ECLOSED");
      await rejectsWith(a.send("again"), "ECLOSED");
      await b.send("b2");
      b.close();
    } finally {
      await s.close();
    }
  });

  it("closing the socket ends pending receives of every context with ECLOSED", async () => {
    const s = new Surveyor0();
    s.surveyTime = -1;
    const ctx = s.openContext();
    await ctx.send("c");
    await s.send("d");
    const pc = recvAio(ctx);
    const pd = recvAio(s);
    await sleep(10);
    await s.close();
    assert.equal(aioCode(await pc), "ECLOSED");
    assert.equal(aioCode(await pd), "ECLOSED");
  });

  it("a response shorter than 4 bytes closes the pipe", async () => {
    const url = inprocUrl();
    const s = new Surveyor0();
    const raw = new Respondent0({ raw: true });
    try {
      await s.listen(url);
      await raw.dial(url);
      await until(() => s.pipes.length === 1, 2000);
      await s.send("q");
      const q = await raw.recv({ timeout: 2000 });
      const bad = new Message("xy");
      bad.headerAppendU32(q.headerPeekU32(0)); // only the pipe id: no survey id
      await raw.send(bad);
      await until(() => (s.stats().counters["rx-malformed"] ?? 0) === 1, 2000);
    } finally {
      await raw.close();
      await s.close();
    }
  });

  describe("raw", () => {
    it("broadcasts the header untouched and receives the backtrace into the header", async () => {
      const url = inprocUrl();
      const s = new Surveyor0({ raw: true });
      const rs = [new Respondent0({ raw: true }), new Respondent0({ raw: true })];
      try {
        await s.listen(url);
        for (const r of rs) await r.dial(url);
        await until(() => s.pipes.length === 2, 2000);
        assert.throws(() => s.openContext(), (e: unknown) => e instanceof NngError && e.code === "ENOTSUP");
        await rejectsWith(s.recv({ nonblock: true }), "EAGAIN"); // no ESTATE in raw mode
        const msg = new Message("hi");
        msg.headerAppendU32(0x00000011); // a device hop
        msg.headerAppendU32(0x80001234);
        await s.send(msg);
        for (const r of rs) {
          const q = await r.recv({ timeout: 2000 });
          assert.equal(q.text(), "hi");
          // raw respondent: pipe id, then the backtrace as sent
          assert.equal(q.headerLength, 12);
          assert.equal(q.headerPeekU32(0), q.pipe);
          assert.equal(q.headerPeekU32(4), 0x11);
          assert.equal(q.headerPeekU32(8), 0x80001234);
          const a = new Message(`a${rs.indexOf(r)}`);
          a.headerAppend(q.header);
          await r.send(a);
        }
        const got: string[] = [];
        for (let i = 0; i < 2; i++) {
          const m = await s.recv({ timeout: 2000 });
          assert.equal(m.headerLength, 8);
          assert.equal(m.headerPeekU32(0), 0x11);
          assert.equal(m.headerPeekU32(4), 0x80001234);
          got.push(m.text());
        }
        assert.deepEqual(got.sort(), ["a0", "a1"]);
      } finally {
        for (const r of rs) await r.close();
        await s.close();
      }
    });
  });
});
