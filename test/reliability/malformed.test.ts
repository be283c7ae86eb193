// A peer that sends what its protocol forbids (a truncated backtrace, a short reply, a message to
// a publisher, a truncated hop count) over real tcp: only its own pipe closes, the socket counts
// rx-malformed, and a legitimate peer of the same socket keeps its exchanges.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Pair1, Pub0, Rep0, Req0, Respondent0, type Socket, Sub0, Surveyor0 } from "../../src/index.js";
import { spHeader, writeFramePrefix } from "../../src/transport/framing.js";
import { expectNoLeak, handleCount, rawConnect, targetOf, until, within } from "./helpers.js";

interface Case {
  name: string;
  open(): Socket;
  peer(): Socket;
  /** The protocol number the hostile client claims (a valid peer of `open()`). */
  claim: number;
  /** A legitimate exchange between the socket and its good peer. */
  exchange(s: Socket, peer: Socket): Promise<void>;
}

async function roundTrip(asker: Socket, answerer: Socket): Promise<void> {
  await asker.send("q");
  const q = await answerer.recv({ timeout: 3000 });
  assert.equal(q.text(), "q");
  await answerer.send(q);
  assert.equal((await asker.recv({ timeout: 3000 })).text(), "q");
}

const CASES: Case[] = [
  { name: "rep0 (backtrace cut short)", open: () => new Rep0(), peer: () => new Req0(), claim: 0x30, exchange: (s, p) => roundTrip(p, s) },
  { name: "respondent0 (backtrace cut short)", open: () => new Respondent0(), peer: () => new Surveyor0(), claim: 0x62, exchange: (s, p) => roundTrip(p, s) },
  { name: "req0 (reply without an id)", open: () => new Req0(), peer: () => new Rep0(), claim: 0x31, exchange: (s, p) => roundTrip(s, p) },
  { name: "surveyor0 (response without an id)", open: () => new Surveyor0(), peer: () => new Respondent0(), claim: 0x63, exchange: (s, p) => roundTrip(s, p) },
  {
    name: "pair1 polyamorous (hop count cut short)",
    open: () => new Pair1({ polyamorous: true }),
    peer: () => new Pair1(),
    claim: 0x11,
    exchange: async (s, p) => {
      await p.send("hi");
      const m = await s.recv({ timeout: 3000 });
      await s.send(m);
      assert.equal((await p.recv({ timeout: 3000 })).text(), "hi");
    },
  },
  {
    name: "pub0 (a subscriber that talks)",
    open: () => new Pub0(),
    peer: () => {
      const s = new Sub0();
      s.subscribe("");
      return s;
    },
    claim: 0x21,
    exchange: async (s, p) => {
      await s.send("news");
      assert.equal((await p.recv({ timeout: 3000 })).text(), "news");
    },
  },
];

describe("malformed protocol input over tcp", { timeout: 30_000 }, () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const baseline = handleCount();
      const s = c.open();
      const good = c.peer();
      try {
        const url = (await s.listen("tcp://127.0.0.1:0")).getOption("url") as string;
        await good.dial(url);
        await until(() => s.pipes.length === 1, 3000, "good pipe");
        await c.exchange(s, good);
        for (let round = 1; round <= 3; round++) {
          const bad = await rawConnect(targetOf(url));
          bad.sock.write(spHeader(c.claim));
          const f = new Uint8Array(8 + 2);
          writeFramePrefix(f, 0, 2, false);
          f.set([0x80, 0x01], 8); // two bytes: no protocol here accepts a header this short
          bad.sock.write(f);
          await within(bad.closed, 3000, "the hostile pipe is closed");
          await until(() => s.stats().counters["rx-malformed"] === round, 3000, "counted");
          assert.equal(s.pipes.length, 1, "only the hostile pipe went");
          await c.exchange(s, good);
        }
      } finally {
        await Promise.all([s.close(), good.close()]);
      }
      await expectNoLeak(baseline, c.name);
    });
  }
});
