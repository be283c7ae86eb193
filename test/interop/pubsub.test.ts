// pub0/sub0 against real libnng (nngcat and the C peer), both directions, tcp and ipc: topic
// filtering, sub:prefnew with recv-buffer 2, and a stopped libnng subscriber costing only drops.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { Pub0, Sub0, type Pipe, type Socket } from "../../src/index.js";
import { freePort, haveLibnng, killAllChildren, spawnNngcat, startPeer, tmpIpcUrl } from "../helpers/libnng.js";
import { sleep, turn, until, within } from "../helpers/wait.js";

type Transport = "tcp" | "ipc";
const text = (b: Uint8Array) => Buffer.from(b).toString("utf8");
const quoted = (...xs: string[]) => xs.map((x) => `"${x}"\n`).join("");

async function listenUrl(sock: Socket, t: Transport): Promise<string> {
  const l = await within(sock.listen(t === "tcp" ? "tcp://127.0.0.1:0" : tmpIpcUrl("ps")), 5_000, "listen");
  return l.getOption("url") as string;
}

const peerListenUrl = (t: Transport) => (t === "tcp" ? "tcp://127.0.0.1:0" : tmpIpcUrl("psp"));

async function freshUrl(t: Transport): Promise<string> {
  return t === "tcp" ? `tcp://127.0.0.1:${await freePort()}` : tmpIpcUrl("psc");
}

/** Everything queued on `sub` now, as text. */
async function drain(sub: Sub0): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    try {
      out.push(text((await sub.recv({ nonblock: true })).body));
    } catch {
      return out;
    }
  }
}

describe("interop pub0/sub0 with libnng", { skip: !haveLibnng && "libnng not installed", timeout: 120_000 }, () => {
  after(() => killAllChildren());

  for (const transport of ["tcp", "ipc"] as const) {
    test(`${transport}: nngts pub -> three nngcat subs with different topics get only their matches`, { timeout: 15_000 }, async () => {
      const pub = new Pub0();
      const cats: ReturnType<typeof spawnNngcat>[] = [];
      try {
        const url = await listenUrl(pub, transport);
        const spawnSub = (topic: string, count: number) =>
          spawnNngcat(["--sub", "--dial", url, "--subscribe", topic, "--quoted", "--count", String(count), "--recv-timeout", "10"]);
        const alpha = spawnSub("alpha", 2);
        const beta = spawnSub("beta/", 2);
        const all = spawnSub("", 6);
        cats.push(alpha, beta, all);
        await until(() => pub.stats().pipes === 3, 5_000, "three nngcat subscribers");
        const bodies = ["alpha-1", "beta/1", "gamma-1", "betax", "alpha-2", "beta/2"];
        for (const b of bodies) await pub.send(b);
        assert.equal(await alpha.exit(5_000), 0);
        assert.equal(await beta.exit(5_000), 0);
        assert.equal(await all.exit(5_000), 0);
        assert.equal(alpha.stdout().toString(), quoted("alpha-1", "alpha-2"));
        assert.equal(beta.stdout().toString(), quoted("beta/1", "beta/2"));
        assert.equal(all.stdout().toString(), quoted(...bodies));
      } finally {
        await Promise.all(cats.map((c) => c.kill()));
        await pub.close();
      }
    });

    test(`${transport}: C peer sub (dialing, --sub msg-1) <- nngts pub listening`, { timeout: 15_000 }, async () => {
      const pub = new Pub0();
      try {
        const url = await listenUrl(pub, transport);
        const peer = await startPeer(["sub0", "dial", url, "--sub", "msg-1", "--recv", "3", "--recv-timeout", "5000"]);
        await until(() => pub.stats().pipes === 1, 5_000, "pipe");
        for (const b of ["msg-0", "msg-1", "msg-2", "msg-10", "xmsg-1", "msg-1x"]) await pub.send(b);
        const got = await peer.waitForMessages(3, 5_000);
        assert.deepEqual(got.map((m) => text(m.body)), ["msg-1", "msg-10", "msg-1x"]);
        assert.equal(await peer.exit(5_000), 0);
      } finally {
        await pub.close();
      }
    });

    test(`${transport}: two nngcat pubs -> nngts sub subscribed to one topic`, { timeout: 15_000 }, async () => {
      const sub = new Sub0();
      const urlA = await freshUrl(transport);
      const urlB = await freshUrl(transport);
      // Each nngcat publishes 3 messages one second after it starts listening.
      const alpha = spawnNngcat(["--pub", "--listen", urlA, "--data", "alpha-news", "--count", "3", "--delay", "1"]);
      const beta = spawnNngcat(["--pub", "--listen", urlB, "--data", "beta-news", "--count", "3", "--delay", "1"]);
      try {
        sub.subscribe("alpha");
        sub.setOption("reconnect-time-min", 20);
        await sub.dial(urlA, { nonblock: true });
        await sub.dial(urlB, { nonblock: true });
        await until(() => sub.stats().pipes === 2, 5_000, "both pubs");
        // 6 messages come off the wire; 3 match
        await until(() => sub.stats().rxMsgs === 6, 5_000, "6 messages on the wire");
        assert.deepEqual(await drain(sub), ["alpha-news", "alpha-news", "alpha-news"]);
        assert.equal(await alpha.exit(5_000), 0);
        assert.equal(await beta.exit(5_000), 0);
      } finally {
        await Promise.all([alpha.kill(), beta.kill()]);
        await sub.close();
      }
    });

    // libnng's pub queues 16 messages per pipe and drops beyond: a burst of 15 arrives whole.
    test(`${transport}: C peer pub (15 messages) -> nngts sub with two prefixes`, { timeout: 15_000 }, async () => {
      const peer = await startPeer(["pub0", "listen", peerListenUrl(transport), "--send", "15", "--delay", "500"]);
      const sub = new Sub0();
      try {
        sub.subscribe("msg-1");
        sub.subscribe(new TextEncoder().encode("msg-9"));
        await within(sub.dial(peer.url), 5_000, "dial");
        await until(() => sub.stats().rxMsgs === 15, 5_000, "15 messages");
        const expected = ["msg-1", "msg-9", "msg-10", "msg-11", "msg-12", "msg-13", "msg-14"];
        assert.deepEqual(await drain(sub), expected);
        assert.equal(await peer.exit(5_000), 0);
      } finally {
        await sub.close();
      }
    });

    for (const prefnew of [true, false]) {
      test(`${transport}: C peer pub -> nngts sub, recv-buffer 2, prefnew ${prefnew}`, { timeout: 15_000 }, async () => {
        const peer = await startPeer(["pub0", "listen", peerListenUrl(transport), "--send", "5", "--delay", "500"]);
        const sub = new Sub0();
        try {
          sub.setOption("recv-buffer", 2);
          sub.setOption("sub:prefnew", prefnew);
          sub.subscribe("");
          await within(sub.dial(peer.url), 5_000, "dial");
          await until(() => sub.stats().rxMsgs === 5, 5_000, "5 messages");
          assert.deepEqual(await drain(sub), prefnew ? ["msg-3", "msg-4"] : ["msg-0", "msg-1"]);
          assert.equal(sub.stats().counters["rx-drop"], 3);
          assert.equal(await peer.exit(5_000), 0);
        } finally {
          await sub.close();
        }
      });
    }
  }

  test("tcp: a stopped libnng subscriber (SIGSTOP) costs the nngts pub only drops; the others keep up", { timeout: 30_000 }, async () => {
    const pub = new Pub0();
    const fast = new Sub0();
    let stopped: Awaited<ReturnType<typeof startPeer>> | undefined;
    try {
      const url = await listenUrl(pub, "tcp");
      fast.subscribe("");
      await fast.dial(url);
      await until(() => pub.stats().pipes === 1, 5_000, "fast pipe");
      const fastPipe = pub.pipes[0]!;
      stopped = await startPeer(["sub0", "dial", url, "--sub", "", "--recv", "1000000"]);
      await until(() => pub.stats().pipes === 2, 5_000, "libnng pipe");
      const slowPipe = pub.pipes.find((p) => p !== fastPipe)!;
      stopped.child.kill("SIGSTOP");
      const queued = (p: Pipe) => (p.protoData as { queue: { length: number } }).queue.length;
      const body = new Uint8Array(65536);
      let sent = 0;
      let maxQueued = 0;
      let received = 0;
      const reading = (async () => {
        for (;;) {
          const m = await fast.recv({ timeout: 10_000 });
          received++;
          if (m.length === 1) return;
        }
      })();
      while ((pub.stats().counters["tx-drop"] ?? 0) < 100) {
        assert.ok(sent < 20_000, "the stopped subscriber never overflowed");
        for (let k = 0; k < 8; k++) {
          await within(pub.send(body), 1_000, "pub send");
          sent++;
          maxQueued = Math.max(maxQueued, queued(slowPipe));
        }
        await turn();
      }
      assert.ok(maxQueued <= 16, `queue reached ${maxQueued}`);
      await pub.send(Uint8Array.of(1)); // the newest is never dropped
      await within(reading, 10_000, "fast subscriber drained");
      assert.ok(received > 1);
      assert.equal(pub.stats().pipes, 2);
    } finally {
      if (stopped) {
        stopped.child.kill("SIGCONT");
        await stopped.kill();
      }
      await sleep(1);
      await Promise.all([pub.close(), fast.close()]);
    }
  });
});
