import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Bus0, device, Message, NngError, Pair0, Pair1, Pub0, Pull0, Push0, Rep0, Req0, Respondent0, type Socket, Surveyor0 } from "../../src/index.js";
import { closeAll, sleep, until, within } from "../helpers/wait.js";
import { rejectsWith } from "../helpers/nng.js";

let seq = 0;
const inprocUrl = (): string => `inproc://device-test-${process.pid}-${++seq}`;

const isNng = (c: string) => (e: unknown) => e instanceof NngError && e.code === c;

async function link(listener: Socket, dialer: Socket): Promise<void> {
  const url = inprocUrl();
  await listener.listen(url);
  await dialer.dial(url);
}

/** client req → [raw rep | device | raw req] → `server`: returns the device's sockets. */
async function reqRepDevice(client: Socket, server: Socket): Promise<{ front: Rep0; back: Req0 }> {
  const front = new Rep0({ raw: true });
  const back = new Req0({ raw: true });
  await link(front, client);
  await link(server, back);
  await until(() => front.pipes.length === 1 && back.pipes.length === 1);
  return { front, back };
}

describe("device", () => {
  it("needs two raw sockets of peer protocols (EINVAL), open ones (ECLOSED)", async () => {
    const cookedRep = new Rep0();
    const cookedReq = new Req0();
    const rawRep = new Rep0({ raw: true });
    const rawRep2 = new Rep0({ raw: true });
    const rawReq = new Req0({ raw: true });
    const rawPair = new Pair1({ raw: true });
    const closedReq = new Req0({ raw: true });
    await closedReq.close();
    try {
      assert.throws(() => device(cookedRep, cookedReq), isNng("EINVAL"));
      assert.throws(() => device(rawRep, cookedReq), isNng("EINVAL"));
      assert.throws(() => device(cookedRep, rawReq), isNng("EINVAL"));
      assert.throws(() => device(rawRep, rawRep2), isNng("EINVAL"));
      assert.throws(() => device(rawRep, rawPair), isNng("EINVAL"));
      assert.throws(() => device(rawReq), isNng("EINVAL")); // a reflector needs a self-peered protocol
      assert.throws(() => device(rawRep, closedReq), isNng("ECLOSED"));
      // Either order is fine for peers.
      const d1 = device(rawRep, rawReq);
      d1.stop();
      await within(d1.done, 2000);
      const d2 = device(rawReq, rawRep);
      d2.stop();
      await within(d2.done, 2000);
    } finally {
      await closeAll(cookedRep, cookedReq, rawRep, rawRep2, rawReq, rawPair);
    }
  });

  it("forwards requests and replies: the backtrace grows by the device's hop", async () => {
    const client = new Req0();
    const server = new Rep0({ raw: true });
    const { front, back } = await reqRepDevice(client, server);
    const d = device(front, back);
    try {
      await client.send("through");
      const got = await server.recv({ timeout: 2000 });
      assert.equal(got.text(), "through");
      // [server's pipe id][the device's front pipe id][request id]
      assert.equal(got.headerLength, 12);
      assert.equal(got.headerPeekU32(0), got.pipe);
      assert.equal(got.headerPeekU32(4), front.pipes[0]!.id);
      assert.ok(got.headerPeekU32(8) >= 0x80000000);
      const reply = new Message("back");
      reply.headerAppend(got.header);
      await server.send(reply);
      const r = await client.recv({ timeout: 2000 });
      assert.equal(r.text(), "back");
      assert.equal(r.headerLength, 0);
    } finally {
      d.stop();
      await within(d.done, 2000);
      await closeAll(client, server, front, back);
    }
  });

  it("serves many concurrent contexts through two chained devices", async () => {
    const client = new Req0();
    const server = new Rep0();
    const mid1 = new Rep0({ raw: true });
    const mid2 = new Req0({ raw: true });
    const mid3 = new Rep0({ raw: true });
    const mid4 = new Req0({ raw: true });
    await link(mid1, client);
    await link(mid3, mid2);
    await link(server, mid4);
    await until(() => [mid1, mid2, mid3, mid4].every((s) => s.pipes.length === 1));
    const d1 = device(mid1, mid2);
    const d2 = device(mid3, mid4);
    const serving = (async () => {
      const ctxs = Array.from({ length: 20 }, () => server.openContext());
      await Promise.all(
        ctxs.map(async (c) => {
          for (;;) {
            let m: Message;
            try {
              m = await c.recv();
            } catch {
              return;
            }
            await c.send(`re:${m.text()}`);
          }
        }),
      );
    })();
    try {
      const asks = Array.from({ length: 50 }, async (_, i) => {
        const c = client.openContext();
        for (let k = 0; k < 4; k++) {
          await c.send(`q${i}.${k}`);
          assert.equal((await c.recv({ timeout: 5000 })).text(), `re:q${i}.${k}`);
        }
      });
      await within(Promise.all(asks), 10_000);
    } finally {
      d1.stop();
      d2.stop();
      await within(Promise.all([d1.done, d2.done]), 2000);
      await closeAll(client, server, mid1, mid2, mid3, mid4);
      await within(serving, 2000);
    }
  });

  it("ttl ends a loop: a device whose req side dials its own rep side drops the request after ttl-max hops", async () => {
    const client = new Req0();
    const front = new Rep0({ raw: true });
    const back = new Req0({ raw: true });
    const url = inprocUrl();
    await front.listen(url);
    await client.dial(url);
    await back.dial(url); // the loop
    await until(() => front.pipes.length === 2);
    const d = device(front, back);
    try {
      await client.send("round and round");
      await until(() => front.stats().counters["ttl-drop"] === 1);
      const rx = front.stats().rxMsgs;
      await sleep(50);
      assert.equal(front.stats().rxMsgs, rx); // the loop stopped
      // The request arrives with 1 word, each trip around adds one: the 9th arrival (9 words) is dropped.
      assert.equal(rx, 9);
    } finally {
      d.stop();
      await within(d.done, 2000);
      await closeAll(client, front, back);
    }
  });

  it("with one socket of a self-peered protocol it reflects (pair1 raw)", async () => {
    const mirror = new Pair1({ raw: true });
    const peer = new Pair1();
    await link(mirror, peer);
    await until(() => mirror.pipes.length === 1);
    const d = device(mirror);
    try {
      await peer.send("echo?");
      const m = await peer.recv({ timeout: 2000 });
      assert.equal(m.text(), "echo?");
      assert.equal(m.headerPeekU32(0), 2); // two hops: there and back
    } finally {
      d.stop();
      await within(d.done, 2000);
      await closeAll(mirror, peer);
    }
  });

  it("with one raw bus socket it reflects to every other peer, never back to the sender", async () => {
    const hub = new Bus0({ raw: true });
    const peers = [new Bus0(), new Bus0(), new Bus0()];
    for (const p of peers) await link(hub, p);
    await until(() => hub.pipes.length === 3);
    const d = device(hub);
    try {
      await peers[0]!.send("from 0");
      for (const p of [peers[1]!, peers[2]!]) {
        const m = await p.recv({ timeout: 2000 });
        assert.equal(m.text(), "from 0");
        assert.equal(m.headerLength, 0);
      }
      await peers[2]!.send("from 2");
      assert.equal((await peers[0]!.recv({ timeout: 2000 })).text(), "from 2");
      assert.equal((await peers[1]!.recv({ timeout: 2000 })).text(), "from 2");
      await sleep(30);
      // no echo to the sender, no loop
      await rejectsWith(peers[0]!.recv({ nonblock: true }), "EAGAIN");
      await rejectsWith(peers[2]!.recv({ nonblock: true }), "EAGAIN");
      assert.equal(hub.stats().rxMsgs, 2);
    } finally {
      d.stop();
      await within(d.done, 2000);
      await closeAll(hub, ...peers);
    }
  });

  it("with one raw pair0 socket it echoes to its peer; a cooked or one-way socket is refused", async () => {
    const mirror = new Pair0({ raw: true });
    const peer = new Pair0();
    await link(mirror, peer);
    await until(() => mirror.pipes.length === 1);
    const cooked = new Bus0();
    const pub = new Pub0({ raw: true });
    assert.throws(() => device(cooked), isNng("EINVAL"));
    assert.throws(() => device(pub), isNng("EINVAL"));
    const d = device(mirror);
    try {
      for (let i = 0; i < 3; i++) await peer.send(`echo ${i}`);
      for (let i = 0; i < 3; i++) assert.equal((await peer.recv({ timeout: 2000 })).text(), `echo ${i}`);
    } finally {
      d.stop();
      await within(d.done, 2000);
      await closeAll(mirror, peer, cooked, pub);
    }
  });

  it("forwards surveys and responses (raw respondent | raw surveyor); the survey still times out, then ESTATE", async () => {
    const surveyor = new Surveyor0();
    const front = new Respondent0({ raw: true });
    const back = new Surveyor0({ raw: true });
    const respondents = [new Respondent0(), new Respondent0()];
    await link(front, surveyor);
    const backUrl = inprocUrl();
    await back.listen(backUrl);
    for (const r of respondents) await r.dial(backUrl);
    await until(() => front.pipes.length === 1 && back.pipes.length === 2);
    const d = device(front, back);
    try {
      surveyor.surveyTime = 300;
      await surveyor.send("who?");
      await Promise.all(
        respondents.map(async (r, i) => {
          const q = await r.recv({ timeout: 2000 });
          assert.equal(q.text(), "who?");
          await r.send(`me ${i}`);
        }),
      );
      const answers = [await surveyor.recv({ timeout: 2000 }), await surveyor.recv({ timeout: 2000 })];
      assert.deepEqual(answers.map((m) => m.text()).sort(), ["me 0", "me 1"]);
      await rejectsWith(surveyor.recv({ timeout: 2000 }), "ETIMEDOUT");
      await rejectsWith(surveyor.recv(), "ESTATE");
    } finally {
      d.stop();
      await within(d.done, 2000);
      await closeAll(surveyor, front, back, ...respondents);
    }
  });

  it("one-way protocols get one path (push → pull through raw pull | raw push)", async () => {
    const source = new Push0();
    const sink = new Pull0();
    const front = new Pull0({ raw: true });
    const back = new Push0({ raw: true });
    await link(front, source);
    await link(sink, back);
    await until(() => front.pipes.length === 1 && back.pipes.length === 1);
    const d = device(back, front);
    try {
      for (let i = 0; i < 5; i++) await source.send(`m${i}`);
      for (let i = 0; i < 5; i++) assert.equal((await sink.recv({ timeout: 2000 })).text(), `m${i}`);
    } finally {
      d.stop();
      await within(d.done, 2000);
      await closeAll(source, sink, front, back);
    }
  });

  it("stop() ends forwarding and resolves done", async () => {
    const client = new Req0();
    const server = new Rep0();
    const { front, back } = await reqRepDevice(client, server);
    const d = device(front, back);
    try {
      d.stop();
      await within(d.done, 2000);
      await client.send("anyone?");
      await rejectsWith(server.recv({ timeout: 200 }), "ETIMEDOUT");
    } finally {
      await closeAll(client, server, front, back);
    }
  });

  it("done resolves when either socket closes", async () => {
    const client = new Req0();
    const server = new Rep0();
    const { front, back } = await reqRepDevice(client, server);
    const d = device(front, back);
    try {
      await back.close();
      await within(d.done, 2000);
      assert.equal(front.closed, false);
    } finally {
      await closeAll(client, server, front, back);
    }
  });
});
