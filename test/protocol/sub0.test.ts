// sub0: prefix topics (bytes or strings), ENOENT on unknown unsubscribe, empty topic = all, none =
// nothing, sub:prefnew with a full recv-buffer, unsubscribe purging the queue, contexts, raw mode.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Aio, Message, NngError, Pub0, Sub0 } from "../../src/index.js";
import { sleep, until, within } from "../helpers/wait.js";

let n = 0;
const inproc = () => `inproc://sub0-${process.pid}-${++n}`;

/** A pub listening and a sub dialed to it over inproc. */
async function pair(sub = new Sub0()): Promise<{ pub: Pub0; sub: Sub0; close: () => Promise<void> }> {
  const url = inproc();
  const pub = new Pub0();
  await pub.listen(url);
  await sub.dial(url);
  await until(() => pub.stats().pipes === 1, 2_000, "pipe");
  return { pub, sub, close: () => Promise.all([pub.close(), sub.close()]).then(() => undefined) };
}

/** Publishes `bodies` and waits until the sub has taken them all off the wire. */
async function publish(pub: Pub0, sub: Sub0, ...bodies: Array<string | Uint8Array>): Promise<void> {
  const before = sub.stats().rxMsgs;
  for (const b of bodies) await pub.send(b);
  await until(() => sub.stats().rxMsgs === before + bodies.length, 2_000, "delivery");
}

async function texts(sub: { recv(o: { nonblock: true }): Promise<{ text(): string }> }): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    try {
      out.push((await sub.recv({ nonblock: true })).text());
    } catch (e) {
      assert.ok(e instanceof NngError && e.code === "EAGAIN", String(e));
      return out;
    }
  }
}

describe("sub0", { timeout: 30_000 }, () => {
  test("identity and defaults: recv-buffer 128, prefnew true, subscribe write-only, send ENOTSUP", async () => {
    const sub = new Sub0();
    try {
      assert.equal(sub.getOption("protocol"), 0x21);
      assert.equal(sub.getOption("peer-name"), "pub");
      assert.equal(sub.getOption("recv-buffer"), 128);
      assert.equal(sub.getOption("sub:prefnew"), true);
      assert.equal(sub.prefNew, true);
      assert.throws(() => sub.getOption("sub:subscribe"), { code: "EWRITEONLY" });
      assert.throws(() => sub.getOption("sub:unsubscribe"), { code: "EWRITEONLY" });
      assert.throws(() => sub.setOption("sub:subscribe", 5), { code: "EBADTYPE" });
      assert.throws(() => sub.setOption("recv-buffer", 0), { code: "EINVAL" });
      assert.throws(() => sub.setOption("recv-buffer", 8193), { code: "EINVAL" });
      await assert.rejects(sub.send("x"), { code: "ENOTSUP" });
    } finally {
      await sub.close();
    }
  });

  test("no subscription receives nothing; the empty topic receives everything", async () => {
    const { pub, sub, close } = await pair();
    try {
      await publish(pub, sub, "a", "", "zzz");
      assert.deepEqual(await texts(sub), []);
      sub.subscribe("");
      await publish(pub, sub, "a", "", "zzz");
      assert.deepEqual(await texts(sub), ["a", "", "zzz"]);
    } finally {
      await close();
    }
  });

  test("prefix matching with string and byte topics", async () => {
    const { pub, sub, close } = await pair();
    try {
      sub.subscribe("a/b");
      sub.subscribe(Uint8Array.of(0x00, 0xff));
      sub.subscribe("hé"); // UTF-8: 68 c3 a9
      await publish(pub, sub, "a/b", "a/bc", "a/", "a", "b/a/b", "héllo", "he", Uint8Array.of(0, 0xff, 1), Uint8Array.of(0, 0xfe));
      const got: string[] = [];
      for (;;) {
        try {
          got.push(Buffer.from((await sub.recv({ nonblock: true })).body).toString("hex"));
        } catch {
          break;
        }
      }
      const hex = (s: string) => Buffer.from(s).toString("hex");
      assert.deepEqual(got, [hex("a/b"), hex("a/bc"), hex("héllo"), "00ff01"]);
      // The same topic as bytes and as a string is one subscription.
      sub.unsubscribe(new TextEncoder().encode("hé"));
      assert.throws(() => sub.unsubscribe("hé"), { code: "ENOENT" });
    } finally {
      await close();
    }
  });

  test("unsubscribe: unknown topic is ENOENT (errno 12); subscribing twice needs one unsubscribe", async () => {
    const sub = new Sub0();
    try {
      assert.throws(() => sub.unsubscribe("never"), (e: unknown) => e instanceof NngError && e.code === "ENOENT" && e.errno === 12);
      assert.throws(() => sub.setOption("sub:unsubscribe", ""), { code: "ENOENT" });
      sub.subscribe("x");
      sub.subscribe("x");
      sub.unsubscribe("x");
      assert.throws(() => sub.unsubscribe("x"), { code: "ENOENT" });
      // a prefix of a subscribed topic is not that topic
      sub.subscribe("abc");
      assert.throws(() => sub.unsubscribe("ab"), { code: "ENOENT" });
      assert.throws(() => sub.unsubscribe("abcd"), { code: "ENOENT" });
    } finally {
      await sub.close();
    }
  });

  test("unsubscribe drops queued messages that no longer match, keeps the others in order", async () => {
    const { pub, sub, close } = await pair();
    try {
      sub.subscribe("a");
      sub.subscribe("b");
      sub.subscribe("ab");
      await publish(pub, sub, "a1", "b1", "ab1", "a2", "b2");
      sub.unsubscribe("a");
      assert.deepEqual(await texts(sub), ["b1", "ab1", "b2"]);
    } finally {
      await close();
    }
  });

  test("sub:prefnew true with recv-buffer 2 keeps the newest; false keeps the oldest (NNG's scenario)", async () => {
    for (const prefnew of [true, false]) {
      const sub = new Sub0();
      sub.setOption("recv-buffer", 2);
      sub.prefNew = prefnew;
      sub.subscribe("");
      const { pub, close } = await pair(sub);
      try {
        assert.equal(sub.getOption("sub:prefnew"), prefnew);
        await publish(pub, sub, "1", "2", "3", "4", "5");
        assert.deepEqual(await texts(sub), prefnew ? ["4", "5"] : ["1", "2"], `prefnew ${prefnew}`);
        assert.equal(sub.stats().counters["rx-drop"], 3);
        // a waiting receive takes a message directly, whatever the queue size
        const waiting = sub.recv({ timeout: 2_000 });
        await publish(pub, sub, "6");
        assert.equal((await waiting).text(), "6");
      } finally {
        await close();
      }
    }
  });

  test("a smaller recv-buffer keeps the newest queued messages", async () => {
    const { pub, sub, close } = await pair();
    try {
      sub.subscribe("");
      await publish(pub, sub, "1", "2", "3", "4");
      sub.setOption("recv-buffer", 1);
      assert.equal(sub.getOption("recv-buffer"), 1);
      assert.deepEqual(await texts(sub), ["4"]);
    } finally {
      await close();
    }
  });

  test("a sub that does not read costs the publisher nothing: 1000 messages into recv-buffer 1 leave the newest", async () => {
    const sub = new Sub0();
    sub.setOption("recv-buffer", 1);
    sub.subscribe("");
    const { pub, close } = await pair(sub);
    try {
      for (let i = 0; i < 1000; i++) await within(pub.send(`m${i}`), 1_000, "send never waits");
      // Every message is either delivered or dropped (by the pub's queue or the sub's), none waits.
      const drops = () => (pub.stats().counters["tx-drop"] ?? 0) + (sub.stats().counters["rx-drop"] ?? 0);
      await until(() => drops() === 999, 2_000, "999 drops");
      assert.deepEqual(await texts(sub), ["m999"]);
    } finally {
      await close();
    }
  });

  test("an application that keeps up loses nothing when one tcp chunk carries many more messages than recv-buffer", async () => {
    const pub = new Pub0();
    const sub = new Sub0();
    try {
      sub.setOption("recv-buffer", 4);
      sub.subscribe("");
      const l = await pub.listen("tcp://127.0.0.1:0");
      await sub.dial(l.getOption("url") as string);
      await until(() => pub.stats().pipes === 1, 2_000, "pipe");
      const N = 5000;
      let got = 0;
      let inOrder = true;
      const done = new Promise<void>((resolve, reject) => {
        const aio = new Aio((a) => {
          if (a.result !== 0) return reject(a.result);
          if (a.msg!.text() !== `m${got}`) inOrder = false;
          if (++got === N) return resolve();
          sub.recvAio(a);
        });
        aio.timeout = 5_000;
        sub.recvAio(aio);
      });
      // one synchronous burst: the subscriber's socket reads it in 64 KiB chunks of ~900 messages
      for (let i = 0; i < N; i++) {
        const a = new Aio();
        a.msg = new Message(`m${i}`);
        pub.sendAio(a);
      }
      await within(done, 10_000, `${N} messages`);
      assert.ok(inOrder);
      assert.equal(sub.stats().counters["rx-drop"] ?? 0, 0);
      assert.equal(pub.stats().counters["tx-drop"] ?? 0, 0);
    } finally {
      await Promise.all([pub.close(), sub.close()]);
    }
  });

  test("a context nobody reads does not stall another that keeps up (held messages are released by the end of the turn)", async () => {
    const pub = new Pub0();
    const sub = new Sub0();
    const idle = sub.openContext();
    const busy = sub.openContext();
    try {
      idle.setOption("recv-buffer", 1);
      idle.subscribe("");
      busy.setOption("recv-buffer", 8192);
      busy.subscribe("");
      const l = await pub.listen("tcp://127.0.0.1:0");
      await sub.dial(l.getOption("url") as string);
      await until(() => pub.stats().pipes === 1, 2_000, "pipe");
      const N = 3000;
      let got = 0;
      const done = new Promise<void>((resolve, reject) => {
        const aio = new Aio((a) => {
          if (a.result !== 0) return reject(a.result);
          got++;
          if (a.msg!.text() === `m${N - 1}`) return resolve();
          busy.recvAio(a);
        });
        aio.timeout = 5_000;
        busy.recvAio(aio);
      });
      for (let i = 0; i < N; i++) {
        const a = new Aio();
        a.msg = new Message(`m${i}`);
        pub.sendAio(a);
      }
      await within(done, 10_000, "the busy context gets the last message");
      assert.equal(got, N); // its queue never filled
      await until(() => sub.stats().rxMsgs === N, 2_000, "all off the wire");
      assert.deepEqual(await texts(idle), [`m${N - 1}`]);
      assert.equal(sub.stats().counters["rx-drop"], N - 1);
    } finally {
      idle.close();
      busy.close();
      await Promise.all([pub.close(), sub.close()]);
    }
  });

  test("contexts: each has its own topics and queue; a message goes to every context it matches", async () => {
    const { pub, sub, close } = await pair();
    const c1 = sub.openContext();
    const c2 = sub.openContext();
    try {
      c1.subscribe("a");
      c2.subscribe("b");
      c2.subscribe("a1");
      await publish(pub, sub, "a1", "b1", "a2", "c1");
      assert.deepEqual(await texts(c1), ["a1", "a2"]);
      assert.deepEqual(await texts(c2), ["a1", "b1"]);
      assert.deepEqual(await texts(sub), []); // the socket's own context subscribed to nothing
      // unsubscribing in one context leaves the other alone
      assert.throws(() => c1.unsubscribe("b"), { code: "ENOENT" });
      c2.unsubscribe("a1");
      await publish(pub, sub, "a1");
      assert.deepEqual(await texts(c1), ["a1"]);
      assert.deepEqual(await texts(c2), []);
    } finally {
      c1.close();
      c2.close();
      await close();
    }
  });

  test("contexts: own recv-buffer and prefnew (inherited from the socket at open), own timeouts, close ends recv", async () => {
    const sub = new Sub0();
    sub.setOption("recv-buffer", 3);
    sub.prefNew = false;
    const { pub, close } = await pair(sub);
    const c = sub.openContext();
    try {
      assert.equal(c.getOption("recv-buffer"), 3);
      assert.equal(c.prefNew, false);
      c.setOption("recv-buffer", 2);
      c.prefNew = true;
      assert.equal(sub.getOption("recv-buffer"), 3); // the socket keeps its own
      assert.equal(sub.prefNew, false);
      c.subscribe("");
      sub.subscribe("");
      await publish(pub, sub, "1", "2", "3", "4");
      assert.deepEqual(await texts(c), ["3", "4"]);
      assert.deepEqual(await texts(sub), ["1", "2", "3"]);
      c.setOption("recv-timeout", 30);
      await assert.rejects(within(c.recv(), 2_000, "ctx recv-timeout"), { code: "ETIMEDOUT" });
      assert.throws(() => c.setOption("recv-buffer", 0), { code: "EINVAL" });
      assert.throws(() => c.setOption("no-such-option", 1), { code: "ENOTSUP" });
      await assert.rejects(c.send("x"), { code: "ENOTSUP" });
      const pending = c.recv();
      c.close();
      await assert.rejects(within(pending, 2_000, "closed ctx recv"), { code: "ECLOSED" });
      // a closed context no longer receives; the socket still does
      await publish(pub, sub, "5");
      assert.deepEqual(await texts(sub), ["5"]);
    } finally {
      c.close();
      await close();
    }
  });

  test("thousands of topics, a few matching: exactly the matching messages arrive", async () => {
    const { pub, sub, close } = await pair();
    try {
      for (let i = 0; i < 5000; i++) sub.subscribe(`topic/${i}/`);
      await publish(pub, sub, "topic/4999/x", "topic/5000/x", "topic/0/", "topic/12", "topic/12/a", "other");
      assert.deepEqual(await texts(sub), ["topic/4999/x", "topic/0/", "topic/12/a"]);
      for (let i = 0; i < 5000; i += 2) sub.unsubscribe(`topic/${i}/`);
      await publish(pub, sub, "topic/4999/x", "topic/0/", "topic/1/");
      assert.deepEqual(await texts(sub), ["topic/4999/x", "topic/1/"]);
    } finally {
      await close();
    }
  });

  test("raw sub receives everything and has no subscriptions or contexts", async () => {
    const { pub, sub, close } = await pair(new Sub0({ raw: true }));
    try {
      assert.throws(() => sub.subscribe("x"), { code: "ENOTSUP" });
      assert.throws(() => sub.openContext(), { code: "ENOTSUP" });
      const got = sub.recv({ timeout: 2_000 });
      await pub.send("anything");
      assert.equal((await got).text(), "anything");
    } finally {
      await close();
    }
  });

  test("closing the socket ends pending receives (ECLOSED) on it and its contexts", async () => {
    const sub = new Sub0();
    const c = sub.openContext();
    const a = sub.recv();
    const b = c.recv();
    await sleep(5);
    await sub.close();
    await assert.rejects(within(a, 2_000, "socket recv"), { code: "ECLOSED" });
    await assert.rejects(within(b, 2_000, "ctx recv"), { code: "ECLOSED" });
  });
});
