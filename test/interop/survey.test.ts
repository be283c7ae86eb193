// surveyor0/respondent0 against real libnng (the C peer and nngcat), both directions, tcp and ipc, cooked and raw.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { device, Message, NngError, Respondent0, type Socket, Surveyor0 } from "../../src/index.js";
import { haveLibnng, killAllChildren, runNngcat, spawnNngcat, startPeer, tmpIpcUrl } from "../helpers/libnng.js";
import { until, within } from "../helpers/wait.js";
import { rejectsWith } from "../helpers/nng.js";

type Transport = "tcp" | "ipc";

const text = (b: Uint8Array) => Buffer.from(b).toString("utf8");
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

const localUrl = (t: Transport, tag: string) => (t === "tcp" ? "tcp://127.0.0.1:0" : tmpIpcUrl(tag));

async function listenUrl(sock: Socket, t: Transport): Promise<string> {
  const l = await within(sock.listen(localUrl(t, "sv")), 5_000, "listen");
  return l.getOption("url") as string;
}

/** A respondent that answers every survey with `<prefix><survey body>` until closed. */
function answerLoop(r: Respondent0, prefix: string): Promise<void> {
  return (async () => {
    try {
      for (;;) {
        const q = await r.recv();
        await r.send(`${prefix}${q.text()}`);
      }
    } catch (e) {
      if (!(e instanceof NngError && e.code === "ECLOSED")) throw e;
    }
  })();
}

describe("interop surveyor0/respondent0 with libnng", { skip: !haveLibnng && "libnng not installed", timeout: 60_000, concurrency: true }, () => {
  after(() => killAllChildren());

  for (const transport of ["tcp", "ipc"] as const) {
    test(`${transport}: nngts surveyor <- 2 nngcat respondents + C peer respondent; all answers, ETIMEDOUT, ESTATE`, { timeout: 15_000 }, async () => {
      const s = new Surveyor0();
      try {
        const url = await listenUrl(s, transport);
        const cats = [0, 1].map((i) => spawnNngcat(["--respondent0", "--dial", url, "--data", `X${i}`]));
        const peer = await startPeer(["respondent0", "dial", url, "--echo", "1"]);
        await until(() => s.pipes.length === 3, 5_000, "3 respondents");
        s.surveyTime = 1000;
        await s.send("Q");
        const got: string[] = [];
        const ids = new Set<string>();
        for (let i = 0; i < 3; i++) {
          const m = await s.recv({ timeout: 5_000 });
          got.push(m.text());
          ids.add(hex(m.header));
        }
        assert.deepEqual(got.sort(), ["Q", "X0", "X1"]);
        // One survey id, 4 bytes with bit 31 set, kept in the header (as libnng's cooked surveyor does).
        assert.equal(ids.size, 1);
        const id = [...ids][0]!;
        assert.equal(id.length, 8);
        assert.ok(parseInt(id.slice(0, 2), 16) & 0x80);
        // The C peer saw the survey without header (cooked respondent), as libnng sent it on.
        const [seen] = await peer.waitForMessages(1, 5_000);
        assert.deepEqual([hex(seen!.header), text(seen!.body)], ["", "Q"]);
        await rejectsWith(within(s.recv(), 5_000, "survey end"), "ETIMEDOUT");
        await rejectsWith(s.recv(), "ESTATE");
        assert.equal(await peer.exit(5_000), 0);
        // A second survey: the nngcat respondents answer again, to the next id.
        await s.send("Q2");
        const again = [await s.recv({ timeout: 5_000 }), await s.recv({ timeout: 5_000 })];
        assert.deepEqual(again.map((m) => m.text()).sort(), ["X0", "X1"]);
        for (const m of again) assert.equal(m.headerPeekU32(0), ((parseInt(id, 16) + 1) | 0x80000000) >>> 0);
        for (const c of cats) await c.kill();
      } finally {
        await s.close();
      }
    });

    test(`${transport}: nngcat surveyor dials 3 nngts respondents; each answer printed`, { timeout: 15_000 }, async () => {
      const rs = [0, 1, 2].map(() => new Respondent0());
      const loops: Promise<void>[] = [];
      try {
        const urls: string[] = [];
        for (const r of rs) urls.push(await listenUrl(r, transport));
        rs.forEach((r, i) => loops.push(answerLoop(r, `A${i}:`)));
        const res = await runNngcat(["--surveyor0", ...urls.flatMap((u) => ["--dial", u]), "--data", "Q", "--ascii"], { timeoutMs: 8_000 });
        assert.equal(res.code, 0, res.stderr);
        // --ascii prints the bodies run together: cut them back into the 4-byte answers.
        const out = res.stdout.toString();
        const answers = Array.from({ length: out.length / 4 }, (_, i) => out.slice(4 * i, 4 * i + 4)).sort();
        assert.deepEqual(answers, ["A0:Q", "A1:Q", "A2:Q"]);
      } finally {
        for (const r of rs) await r.close();
        await Promise.all(loops);
      }
    });

    test(`${transport}: C peer surveyor (listening, --req 1 --recv 2) -> 3 nngts respondents dial`, { timeout: 15_000 }, async () => {
      const peer = await startPeer(["surveyor0", "listen", localUrl(transport, "ps"), "--req", "1", "--recv", "2", "--survey-time", "3000", "--delay", "500"]);
      const rs = [0, 1, 2].map(() => new Respondent0());
      const loops: Promise<void>[] = [];
      try {
        for (const r of rs) await within(r.dial(peer.url), 5_000, "dial");
        rs.forEach((r, i) => loops.push(answerLoop(r, `B${i}:`)));
        const got = await peer.waitForMessages(3, 8_000);
        assert.deepEqual(got.map((m) => text(m.body)).sort(), ["B0:msg-0", "B1:msg-0", "B2:msg-0"]);
        // libnng's surveyor keeps the survey id (4 bytes, bit 31) in the header of what it receives.
        const headers = new Set(got.map((m) => hex(m.header)));
        assert.equal(headers.size, 1);
        assert.equal([...headers][0]!.length, 8);
        assert.ok(got[0]!.header[0]! & 0x80);
        assert.equal(await peer.exit(5_000), 0);
      } finally {
        for (const r of rs) await r.close();
        await Promise.all(loops);
      }
    });

    test(`${transport}: C peer surveyor -> nngts device (raw respondent | raw surveyor) -> 2 nngcat respondents + C peer respondent`, { timeout: 15_000 }, async () => {
      const peer = await startPeer(["surveyor0", "listen", localUrl(transport, "dv"), "--req", "1", "--recv", "2", "--survey-time", "4000", "--delay", "1500"]);
      const up = new Respondent0({ raw: true });
      const down = new Surveyor0({ raw: true });
      const cats: ReturnType<typeof spawnNngcat>[] = [];
      try {
        await within(up.dial(peer.url), 5_000, "dial");
        const downUrl = await listenUrl(down, transport);
        const d = device(up, down);
        cats.push(...[0, 1].map((i) => spawnNngcat(["--respondent0", "--dial", downUrl, "--data", `R${i}`])));
        const echo = await startPeer(["respondent0", "dial", downUrl, "--echo", "1"]);
        await until(() => down.pipes.length === 3, 5_000, "3 respondents on the device");
        const got = await peer.waitForMessages(3, 8_000);
        assert.deepEqual(got.map((m) => text(m.body)).sort(), ["R0", "R1", "msg-0"]);
        // Back at libnng's cooked surveyor: only its own survey id is left in the header.
        assert.equal(new Set(got.map((m) => hex(m.header))).size, 1);
        assert.equal(got[0]!.header.length, 4);
        // The C peer respondent saw the survey through the device, no header left (cooked).
        const [seen] = await echo.waitForMessages(1, 5_000);
        assert.deepEqual([hex(seen!.header), text(seen!.body)], ["", "msg-0"]);
        assert.equal(await peer.exit(8_000), 0);
        d.stop();
        await within(d.done, 2_000, "device done");
      } finally {
        for (const c of cats) await c.kill();
        await up.close();
        await down.close();
      }
    });

    test(`${transport}: raw nngts respondent <- nngcat surveyor and C peer surveyor`, { timeout: 15_000 }, async () => {
      const r = new Respondent0({ raw: true });
      try {
        const url = await listenUrl(r, transport);
        const answered = (async () => {
          const q = await r.recv({ timeout: 5_000 });
          assert.equal(q.text(), "Q");
          assert.equal(q.headerLength, 8, "pipe id, then the survey id");
          assert.equal(q.headerPeekU32(0), q.pipe);
          assert.ok(q.headerPeekU32(4) & 0x80000000);
          const a = new Message("RAW");
          a.headerAppend(q.header);
          await r.send(a);
        })();
        const res = await runNngcat(["--surveyor0", "--dial", url, "--data", "Q", "--ascii"], { timeoutMs: 8_000 });
        await answered;
        assert.equal(res.code, 0, res.stderr);
        assert.equal(res.stdout.toString(), "RAW");
      } finally {
        await r.close();
      }

      const peer = await startPeer(["surveyor0", "listen", localUrl(transport, "pr"), "--req", "1", "--survey-time", "3000", "--delay", "300"]);
      const r2 = new Respondent0({ raw: true });
      try {
        await within(r2.dial(peer.url), 5_000, "dial");
        const q = await r2.recv({ timeout: 5_000 });
        const surveyId = q.headerPeekU32(4);
        const a = new Message(`raw:${q.text()}`);
        a.headerAppend(q.header);
        await r2.send(a);
        const [m] = await peer.waitForMessages(1, 5_000);
        assert.equal(text(m!.body), "raw:msg-0");
        assert.equal(hex(m!.header), surveyId.toString(16).padStart(8, "0"));
        assert.equal(await peer.exit(5_000), 0);
      } finally {
        await r2.close();
      }
    });

    test(`${transport}: raw nngts surveyor -> C peer respondent: backtrace round trip and libnng's ttl-max 8`, { timeout: 15_000 }, async () => {
      const peer = await startPeer(["respondent0", "listen", localUrl(transport, "pe"), "--echo", "1"]);
      const s = new Surveyor0({ raw: true });
      try {
        await within(s.dial(peer.url), 5_000, "dial");
        // 8 hops + id = 9 words: libnng drops it; 7 hops + id = 8 words: answered, backtrace intact.
        const tooDeep = new Message("deep");
        for (let i = 1; i <= 8; i++) tooDeep.headerAppendU32(i);
        tooDeep.headerAppendU32(0x80000041);
        await s.send(tooDeep);
        const ok = new Message("fine");
        for (let i = 1; i <= 7; i++) ok.headerAppendU32(i);
        ok.headerAppendU32(0x80000042);
        await s.send(ok);
        const m = await s.recv({ timeout: 5_000 });
        assert.equal(m.text(), "fine");
        assert.equal(hex(m.header), "00000001000000020000000300000004000000050000000600000007" + "80000042");
        const [seen] = await peer.waitForMessages(1, 5_000);
        assert.deepEqual([hex(seen!.header), text(seen!.body)], ["", "fine"]);
        assert.equal(await peer.exit(5_000), 0);
      } finally {
        await s.close();
      }
    });
  }
});
