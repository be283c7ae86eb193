// Dialing, redialing and listening: nonblock dials, refused dials, peers that die and come back,
// address conflicts, bound ports, pipe events and reconnect backoff.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { NngError, Pair1, type PipeEvent, Pull0, Push0 } from "../../src/index.js";
import { freePort, haveLibnng, killAllChildren, startPeer, tmpIpcUrl } from "../helpers/libnng.js";
import { closeAll, sleep, until, within } from "../helpers/wait.js";

const addresses = {
  tcp: async () => `tcp://127.0.0.1:${await freePort()}`,
  ipc: async () => tmpIpcUrl("rc"),
  inproc: async () => `inproc://rc-${Math.random().toString(36).slice(2)}`,
} as const;

describe("dial and redial", { timeout: 60_000 }, () => {
  after(() => killAllChildren());

  for (const [transport, address] of Object.entries(addresses)) {
    test(`${transport}: a nonblock dial before the listener exists connects once it appears`, { timeout: 8_000 }, async () => {
      const url = await address();
      const push = new Push0();
      const pull = new Pull0();
      try {
        push.setOption("reconnect-time-min", 50);
        const d = await within(push.dial(url, { nonblock: true }), 2_000, "nonblock dial");
        await sleep(120); // a few refused attempts
        assert.ok(d.stats.refused >= 1, `refused attempts: ${d.stats.refused}`);
        assert.equal(push.stats().pipes, 0);
        await within(pull.listen(url), 3_000, "listen");
        await push.send("late listener", { timeout: 3_000 });
        assert.equal((await pull.recv({ timeout: 3_000 })).text(), "late listener");
        assert.equal(d.stats.connect, 1);
      } finally {
        await closeAll(push, pull);
      }
    });

    test(`${transport}: a blocking dial to nothing rejects ECONNREFUSED and the dialer is gone`, { timeout: 5_000 }, async () => {
      const url = await address();
      const push = new Push0();
      try {
        await assert.rejects(within(push.dial(url), 3_000, "dial"), (e: unknown) => {
          assert.ok(e instanceof NngError);
          assert.equal(e.code, "ECONNREFUSED");
          assert.equal(e.errno, 6);
          return true;
        });
        assert.equal(push.stats().dialers, 0);
        // nothing keeps retrying: a listener appearing now gets no pipe
        const pull = new Pull0();
        try {
          await pull.listen(url);
          await sleep(100);
          assert.equal(pull.stats().pipes, 0);
        } finally {
          await pull.close();
        }
      } finally {
        await push.close();
      }
    });

    test(`${transport}: redial after the listening socket closes and a new one listens`, { timeout: 8_000 }, async () => {
      const url = await address();
      const push = new Push0();
      const first = new Pull0();
      const second = new Pull0();
      try {
        push.setOption("reconnect-time-min", 30);
        await first.listen(url);
        const d = await within(push.dial(url), 3_000, "dial");
        await push.send("to first", { timeout: 3_000 });
        assert.equal((await first.recv({ timeout: 3_000 })).text(), "to first");
        await within(first.close(), 3_000, "close first");
        await until(() => push.stats().pipes === 0, 3_000, "the push to lose its pipe");
        await within(second.listen(url), 3_000, "listen again");
        await push.send("to second", { timeout: 3_000 });
        assert.equal((await second.recv({ timeout: 3_000 })).text(), "to second");
        assert.equal(d.stats.connect, 2);
        assert.equal(d.stats.disconnect, 1);
      } finally {
        await closeAll(push, first, second);
      }
    });

    test(`${transport}: a second listen on the same address is EADDRINUSE`, { timeout: 5_000 }, async () => {
      const url = await address();
      const a = new Pull0();
      const b = new Pull0();
      try {
        await a.listen(url);
        await assert.rejects(within(b.listen(url), 3_000, "listen"), { code: "EADDRINUSE", errno: 10 });
        await assert.rejects(within(a.listen(url), 3_000, "listen"), { code: "EADDRINUSE" });
        assert.equal(b.stats().listeners, 0, "the failed listener is gone");
        assert.equal(a.stats().listeners, 1);
        // and the first listener still works
        const push = new Push0();
        try {
          await within(push.dial(url), 3_000, "dial");
          await push.send("still listening", { timeout: 3_000 });
          assert.equal((await a.recv({ timeout: 3_000 })).text(), "still listening");
        } finally {
          await push.close();
        }
      } finally {
        await closeAll(a, b);
      }
    });

    test(`${transport}: pipe events add-pre, add-post, rem-post in order on both sides`, { timeout: 5_000 }, async () => {
      const url = await address();
      const pull = new Pull0();
      const push = new Push0();
      const events: [string, PipeEvent, number][] = [];
      for (const [name, s] of [["pull", pull], ["push", push]] as const) {
        for (const ev of ["add-pre", "add-post", "rem-post"] as const) {
          s.pipeNotify(ev, (p, e) => {
            assert.equal(e, ev);
            events.push([name, e, p.id]);
          });
        }
      }
      try {
        await pull.listen(url);
        const d = await within(push.dial(url), 3_000, "dial");
        await until(() => events.filter((e) => e[1] === "add-post").length === 2, 3_000, "both add-post");
        d.close();
        await until(() => events.filter((e) => e[1] === "rem-post").length === 2, 3_000, "both rem-post");
        for (const side of ["pull", "push"]) {
          const mine = events.filter((e) => e[0] === side);
          assert.deepEqual(mine.map((e) => e[1]), ["add-pre", "add-post", "rem-post"], side);
          assert.equal(new Set(mine.map((e) => e[2])).size, 1, `${side}: one pipe id`);
          assert.notEqual(mine[0]![2], 0);
        }
      } finally {
        await closeAll(pull, push);
      }
    });

    test(`${transport}: closing the pipe in add-pre rejects it (no add-post, no rem-post) and the dialer retries`, { timeout: 5_000 }, async () => {
      const url = await address();
      const pull = new Pull0();
      const push = new Push0();
      const events: PipeEvent[] = [];
      let preCount = 0;
      pull.pipeNotify("add-pre", (p) => {
        events.push("add-pre");
        preCount++;
        if (preCount <= 2) p.close(); // refuse the first two attempts
      });
      pull.pipeNotify("add-post", () => events.push("add-post"));
      pull.pipeNotify("rem-post", () => events.push("rem-post"));
      try {
        push.setOption("reconnect-time-min", 20);
        await pull.listen(url);
        await within(push.dial(url), 3_000, "dial");
        // the third attempt is accepted (a message sent into a refused pipe would be lost with it)
        await until(() => pull.stats().pipes === 1, 3_000, "the third attempt accepted");
        await push.send("third time", { timeout: 3_000 });
        assert.equal((await pull.recv({ timeout: 3_000 })).text(), "third time");
        assert.deepEqual(events, ["add-pre", "add-pre", "add-pre", "add-post"]);
        assert.equal(pull.stats().reject, 2);
        assert.equal(pull.stats().pipes, 1);
      } finally {
        await closeAll(pull, push);
      }
    });
  }

  test("tcp port 0: tcp-bound-port and the listener url give the bound port", { timeout: 5_000 }, async () => {
    const pull = new Pull0();
    const push = new Push0();
    try {
      const l = await pull.listen("tcp://127.0.0.1:0");
      const port = l.getOption("tcp-bound-port");
      assert.equal(typeof port, "number");
      assert.ok((port as number) > 0 && (port as number) < 65536);
      assert.equal(l.getOption("url"), `tcp://127.0.0.1:${port}`);
      assert.throws(() => l.setOption("tcp-bound-port", 1), { code: "EREADONLY" });
      await within(push.dial(`tcp://127.0.0.1:${port}`), 3_000, "dial");
      await push.send("bound", { timeout: 3_000 });
      assert.equal((await pull.recv({ timeout: 3_000 })).text(), "bound");
      // two port-0 listeners get different ports
      const l2 = await pull.listen("tcp://127.0.0.1:0");
      assert.notEqual(l2.getOption("tcp-bound-port"), port);
    } finally {
      await closeAll(pull, push);
    }
  });

  test("reconnect-time-max bounds the backoff: refused attempts keep coming", { timeout: 8_000 }, async () => {
    const url = `tcp://127.0.0.1:${await freePort()}`;
    const push = new Push0();
    try {
      const d = push.createDialer(url);
      d.setOption("reconnect-time-min", 10);
      d.setOption("reconnect-time-max", 40);
      assert.equal(d.getOption("reconnect-time-max"), 40);
      await d.start({ nonblock: true });
      await until(() => d.stats.refused >= 5, 4_000, "5 refused attempts");
      const mid = d.stats.refused;
      // with doubling capped at 40 ms the dialer never backs off for long
      await until(() => d.stats.refused >= mid + 5, 4_000, "5 more refused attempts");
      assert.ok((push.stats().counters["dial-refused"] ?? 0) >= mid + 5);
      d.close();
      const stopped = d.stats.refused;
      await sleep(150);
      assert.ok(d.stats.refused <= stopped + 1, "a closed dialer stops trying");
      assert.equal(push.stats().dialers, 0);
    } finally {
      await push.close();
    }
  });

  test("socket options set before dial are inherited by the dialer, dialer options override", () => {
    const push = new Push0();
    try {
      push.setOption("reconnect-time-min", 123);
      const d = push.createDialer("tcp://127.0.0.1:1");
      assert.equal(d.getOption("reconnect-time-min"), 123);
      d.setOption("reconnect-time-min", 7);
      assert.equal(d.getOption("reconnect-time-min"), 7);
      assert.equal(push.getOption("reconnect-time-min"), 123);
      assert.throws(() => d.setOption("reconnect-time-min", -5), { code: "EINVAL" });
      assert.throws(() => d.setOption("reconnect-time-min", "x" as unknown as number), { code: "EBADTYPE" });
    } finally {
      void push.close();
    }
  });

  describe("against libnng", { skip: !haveLibnng && "libnng not installed" }, () => {
    for (const transport of ["tcp", "ipc"] as const) {
      test(`${transport}: a killed C peer (SIGKILL) restarted on the same address gets traffic again`, { timeout: 15_000 }, async () => {
        const url = transport === "tcp" ? `tcp://127.0.0.1:${await freePort()}` : tmpIpcUrl("kill");
        const push = new Push0();
        try {
          push.setOption("reconnect-time-min", 50);
          const first = await startPeer(["pull0", "listen", url, "--recv", "2", "--recv-timeout", "10000"]);
          await within(push.dial(url), 3_000, "dial");
          await push.send("before-0", { timeout: 3_000 });
          await push.send("before-1", { timeout: 3_000 });
          const got1 = await first.waitForMessages(2, 5_000);
          assert.deepEqual(got1.map((m) => Buffer.from(m.body).toString()), ["before-0", "before-1"]);
          await first.exit(5_000);
          // a second one, killed while connected
          const victim = await startPeer(["pull0", "listen", url, "--recv", "100", "--recv-timeout", "10000"]);
          await until(() => push.stats().pipes === 1, 3_000, "connected to the victim");
          await victim.kill();
          await until(() => push.stats().pipes === 0, 3_000, "the pipe to be gone after SIGKILL");
          // the address is reused (for ipc libnng replaces the stale socket file)
          const back = await startPeer(["pull0", "listen", url, "--recv", "3", "--recv-timeout", "10000"]);
          for (let i = 0; i < 3; i++) await push.send(`after-${i}`, { timeout: 5_000 });
          const got = await back.waitForMessages(3, 5_000);
          assert.deepEqual(got.map((m) => Buffer.from(m.body).toString()), ["after-0", "after-1", "after-2"]);
          assert.equal(await back.exit(5_000), 0);
        } finally {
          await push.close();
        }
      });

      test(`${transport}: listening where a C peer listens is EADDRINUSE`, { timeout: 8_000 }, async () => {
        const peer = await startPeer(["pull0", "listen", transport === "tcp" ? "tcp://127.0.0.1:0" : tmpIpcUrl("inuse"), "--recv", "1", "--recv-timeout", "3000"]);
        const s = new Pair1();
        try {
          await assert.rejects(within(s.listen(peer.url), 3_000, "listen"), { code: "EADDRINUSE" });
        } finally {
          await s.close();
          await peer.kill();
        }
      });
    }
  });
});
