// push0/pull0 against real libnng (the C peer and nngcat), both directions, tcp and ipc, cooked and raw.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, describe, test } from "node:test";
import { Pull0, Push0, type Socket } from "../../src/index.js";
import { freePort, haveLibnng, killAllChildren, runNngcat, spawnNngcat, startPeer, tmpIpcUrl } from "../helpers/libnng.js";
import { within } from "../helpers/wait.js";

const text = (b: Uint8Array) => Buffer.from(b).toString("utf8");
const N = 5;
const expected = Array.from({ length: N }, (_, i) => `msg-${i}`);

async function listenUrl(sock: Socket, transport: "tcp" | "ipc"): Promise<string> {
  const l = await within(sock.listen(transport === "tcp" ? "tcp://127.0.0.1:0" : tmpIpcUrl("pl")), 5_000, "listen");
  return l.getOption("url") as string;
}

const peerListenUrl = (transport: "tcp" | "ipc") => (transport === "tcp" ? "tcp://127.0.0.1:0" : tmpIpcUrl("pp"));

async function recvAll(sock: Socket, n: number, timeout = 5_000): Promise<{ header: string; body: string }[]> {
  const out: { header: string; body: string }[] = [];
  for (let i = 0; i < n; i++) {
    const m = await sock.recv({ timeout });
    out.push({ header: Buffer.from(m.header).toString("hex"), body: m.text() });
  }
  return out;
}

describe("interop push0/pull0 with libnng", { skip: !haveLibnng && "libnng not installed", timeout: 60_000 }, () => {
  after(() => killAllChildren());

  for (const transport of ["tcp", "ipc"] as const) {
    for (const raw of [false, true]) {
      const mode = raw ? "raw" : "cooked";
      const rawFlag = raw ? ["--raw"] : [];

      test(`${transport} ${mode}: nngts push dials -> C peer pull --recv ${N}`, { timeout: 10_000 }, async () => {
        const peer = await startPeer(["pull0", "listen", peerListenUrl(transport), ...rawFlag, "--recv", String(N), "--recv-timeout", "5000"]);
        const push = new Push0({ raw });
        try {
          await within(push.dial(peer.url), 5_000, "dial");
          for (const body of expected) await push.send(body, { timeout: 5_000 });
          const got = await peer.waitForMessages(N, 5_000);
          assert.deepEqual(got.map((m) => text(m.body)), expected);
          assert.deepEqual(got.map((m) => m.header.length), expected.map(() => 0));
          assert.equal(await peer.exit(5_000), 0);
        } finally {
          await push.close();
        }
      });

      test(`${transport} ${mode}: C peer push --send ${N} (listening) -> nngts pull dials`, { timeout: 10_000 }, async () => {
        const peer = await startPeer(["push0", "listen", peerListenUrl(transport), ...rawFlag, "--send", String(N)]);
        const pull = new Pull0({ raw });
        try {
          // the peer closes 150 ms after its last send: hold everything (see the todo test below)
          pull.setOption("recv-buffer", 16);
          await within(pull.dial(peer.url), 5_000, "dial");
          const got = await recvAll(pull, N);
          assert.deepEqual(got, expected.map((body) => ({ header: "", body })));
          assert.equal(await peer.exit(5_000), 0);
        } finally {
          await pull.close();
        }
      });

      test(`${transport} ${mode}: C peer push dials --send ${N} -> nngts pull listening`, { timeout: 10_000 }, async () => {
        const pull = new Pull0({ raw });
        try {
          pull.setOption("recv-buffer", 16);
          const url = await listenUrl(pull, transport);
          const peer = await startPeer(["push0", "dial", url, ...rawFlag, "--send", String(N)]);
          const got = await recvAll(pull, N);
          assert.deepEqual(got.map((m) => m.body), expected);
          await assert.rejects(pull.recv({ nonblock: true }), { code: "EAGAIN" }, "no extra message");
          assert.equal(await peer.exit(5_000), 0);
        } finally {
          await pull.close();
        }
      });

      test(`${transport} ${mode}: nngts push listening -> C peer pull dials`, { timeout: 10_000 }, async () => {
        const push = new Push0({ raw });
        try {
          const url = await listenUrl(push, transport);
          const peer = await startPeer(["pull0", "dial", url, ...rawFlag, "--recv", String(N), "--recv-timeout", "5000"]);
          for (const body of expected) await push.send(body, { timeout: 5_000 });
          const got = await peer.waitForMessages(N, 5_000);
          assert.deepEqual(got.map((m) => text(m.body)), expected);
          assert.equal(await peer.exit(5_000), 0);
        } finally {
          await push.close();
        }
      });
    }

    test(`${transport}: nngcat --push0 --dial -> nngts pull listening (recv-buffer 8)`, { timeout: 10_000 }, async () => {
      const pull = new Pull0();
      try {
        pull.setOption("recv-buffer", 8);
        const url = await listenUrl(pull, transport);
        const r = await runNngcat(["--push0", "--dial", url, "--data", "hello", "--count", "3"], { timeoutMs: 5_000 });
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual((await recvAll(pull, 3)).map((m) => m.body), ["hello", "hello", "hello"]);
      } finally {
        await pull.close();
      }
    });

    // nngcat sends 3 messages and closes at once. With recv-buffer 0 the first message fills the
    // queue and pauses the pipe; the other two are already read from the kernel and held by the
    // frame decoder, and the peer's close then discards them. libnng's pull delivers all three.
    test(
      `${transport}: nngcat --push0 --dial -> nngts pull listening (default recv-buffer, sender closes at once)`,
      { timeout: 10_000 },
      async () => {
        const pull = new Pull0();
        try {
          const url = await listenUrl(pull, transport);
          const r = await runNngcat(["--push0", "--dial", url, "--data", "hello", "--count", "3"], { timeoutMs: 5_000 });
          assert.equal(r.code, 0, r.stderr);
          assert.deepEqual((await recvAll(pull, 3, 1_500)).map((m) => m.body), ["hello", "hello", "hello"]);
        } finally {
          await pull.close();
        }
      },
    );

    test(`${transport}: nngts push listening -> nngcat --pull0 --dial --ascii --count ${N}`, { timeout: 10_000 }, async () => {
      const push = new Push0();
      try {
        const url = await listenUrl(push, transport);
        const cat = spawnNngcat(["--pull0", "--dial", url, "--ascii", "--count", String(N), "--recv-timeout", "5"]);
        // the sends wait until nngcat's pipe is there
        for (const body of expected) await push.send(body, { timeout: 5_000 });
        assert.equal(await cat.exit(5_000), 0, cat.stderr());
        assert.equal(cat.stdout().toString(), expected.join(""));
      } finally {
        await push.close();
      }
    });

    test(`${transport}: nngcat --pull0 --listen <- nngts push dials (nonblock, retried)`, { timeout: 10_000 }, async () => {
      const url = transport === "tcp" ? `tcp://127.0.0.1:${await freePort()}` : tmpIpcUrl("catl");
      const cat = spawnNngcat(["--pull0", "--listen", url, "--quoted", "--count", "2", "--recv-timeout", "5"]);
      const push = new Push0();
      try {
        push.setOption("reconnect-time-min", 20);
        await push.dial(url, { nonblock: true });
        await push.send("one", { timeout: 5_000 });
        await push.send("two", { timeout: 5_000 });
        assert.equal(await cat.exit(5_000), 0, cat.stderr());
        assert.equal(cat.stdout().toString(), '"one"\n"two"\n');
      } finally {
        await push.close();
      }
    });

    test(`${transport}: 1 MiB and zero-length messages, nngts push -> C peer pull`, { timeout: 15_000 }, async () => {
      const peer = await startPeer(["pull0", "listen", peerListenUrl(transport), "--recv", "3", "--recv-timeout", "5000"]);
      const push = new Push0();
      try {
        await within(push.dial(peer.url), 5_000, "dial");
        const big = new Uint8Array(randomBytes(1 << 20));
        await push.send(new Uint8Array(0), { timeout: 5_000 });
        await push.send(big, { timeout: 5_000 });
        await push.send("", { timeout: 5_000 });
        const got = await peer.waitForMessages(3, 10_000);
        assert.equal(got[0]!.body.length, 0);
        assert.equal(got[1]!.body.length, 1 << 20);
        assert.ok(Buffer.from(got[1]!.body).equals(big), "1 MiB body intact");
        assert.equal(got[2]!.body.length, 0);
        assert.equal(await peer.exit(5_000), 0);
      } finally {
        await push.close();
      }
    });

    test(`${transport}: 1 MiB (nngcat --file) and zero-length (C peer) messages -> nngts pull`, { timeout: 15_000 }, async () => {
      const pull = new Pull0();
      try {
        pull.setOption("recv-buffer", 16);
        const url = await listenUrl(pull, transport);
        const big = new Uint8Array(randomBytes(1 << 20));
        const r = await runNngcat(["--push0", "--dial", url, "--file", "-"], { timeoutMs: 8_000, input: big });
        assert.equal(r.code, 0, r.stderr);
        const m = await pull.recv({ timeout: 5_000 });
        assert.equal(m.length, 1 << 20);
        assert.ok(Buffer.from(m.body).equals(big), "1 MiB body intact");

        const peer = await startPeer(["push0", "dial", url, "--data", "", "--send", "2"]);
        for (let i = 0; i < 2; i++) {
          const z = await pull.recv({ timeout: 5_000 });
          assert.equal(z.length, 0);
          assert.equal(z.headerLength, 0);
        }
        assert.equal(await peer.exit(5_000), 0);
      } finally {
        await pull.close();
      }
    });
  }

  test("raw nngts push -> cooked C pull and cooked C push -> raw nngts pull (no header either way)", { timeout: 10_000 }, async () => {
    const peer = await startPeer(["pull0", "listen", tmpIpcUrl("mix"), "--recv", "2", "--recv-timeout", "5000"]);
    const push = new Push0({ raw: true });
    const pull = new Pull0({ raw: true });
    try {
      await within(push.dial(peer.url), 5_000, "dial");
      await push.send("r0", { timeout: 5_000 });
      await push.send("r1", { timeout: 5_000 });
      assert.deepEqual((await peer.waitForMessages(2, 5_000)).map((m) => text(m.body)), ["r0", "r1"]);

      pull.setOption("recv-buffer", 16);
      const url = await listenUrl(pull, "tcp");
      const src = await startPeer(["push0", "dial", url, "--send", "2"]);
      assert.deepEqual(await recvAll(pull, 2), [
        { header: "", body: "msg-0" },
        { header: "", body: "msg-1" },
      ]);
      assert.equal(await src.exit(5_000), 0);
    } finally {
      await push.close();
      await pull.close();
    }
  });
});
