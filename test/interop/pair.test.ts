// pair0 and pair1 against real libnng (the C peer and nngcat): both roles, tcp and ipc, cooked and
// raw, hop counts exactly as libnng shows them, 1 MiB and zero-length messages.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, describe, test } from "node:test";
import { Message, Pair0, Pair1, type Socket } from "../../src/index.js";
import { freePort, haveLibnng, killAllChildren, spawnNngcat, startPeer, tmpIpcUrl } from "../helpers/libnng.js";
import { within } from "../helpers/wait.js";

const text = (b: Uint8Array) => Buffer.from(b).toString("utf8");
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const N = 3;
const bodies = Array.from({ length: N }, (_, i) => `msg-${i}`);

type Transport = "tcp" | "ipc";
type Proto = "pair0" | "pair1";

function open(proto: Proto, raw = false): Socket {
  return proto === "pair0" ? new Pair0({ raw }) : new Pair1({ raw });
}

const peerListenUrl = (t: Transport) => (t === "tcp" ? "tcp://127.0.0.1:0" : tmpIpcUrl("pair"));

async function listenUrl(sock: Socket, t: Transport): Promise<string> {
  const l = await within(sock.listen(t === "tcp" ? "tcp://127.0.0.1:0" : tmpIpcUrl("pairl")), 5_000, "listen");
  return l.getOption("url") as string;
}

/** A raw pair1 message with the given hop count header. */
function hopMsg(hops: number, body: string): Message {
  const m = new Message(body);
  m.headerAppendU32(hops);
  return m;
}

describe("interop pair0/pair1 with libnng", { skip: !haveLibnng && "libnng not installed", timeout: 90_000 }, () => {
  after(() => killAllChildren());

  for (const transport of ["tcp", "ipc"] as const) {
    for (const proto of ["pair0", "pair1"] as const) {
      // Cooked pair1 keeps the received hop count in the header: 1 after one direct hop.
      const hop1 = proto === "pair1" ? "00000001" : "";

      test(`${transport} ${proto}: nngts dials -> C peer echo (listening)`, { timeout: 10_000 }, async () => {
        const peer = await startPeer([proto, "listen", peerListenUrl(transport), "--echo", String(N), "--recv-timeout", "5000"]);
        const s = open(proto);
        try {
          await within(s.dial(peer.url), 5_000, "dial");
          for (const b of bodies) await s.send(b, { timeout: 5_000 });
          const back: [string, string][] = [];
          for (let i = 0; i < N; i++) {
            const m = await s.recv({ timeout: 5_000 });
            back.push([hex(m.header), m.text()]);
          }
          assert.deepEqual(back, bodies.map((b) => [hop1, b]));
          const seen = await peer.waitForMessages(N, 5_000);
          assert.deepEqual(seen.map((m) => [hex(m.header), text(m.body)]), bodies.map((b) => [hop1, b]));
          assert.equal(await peer.exit(5_000), 0);
        } finally {
          await s.close();
        }
      });

      test(`${transport} ${proto}: C peer dials --send/--recv -> nngts echoes (listening)`, { timeout: 10_000 }, async () => {
        const s = open(proto);
        try {
          const url = await listenUrl(s, transport);
          const peer = await startPeer([proto, "dial", url, "--send", String(N), "--recv", String(N), "--recv-timeout", "5000"]);
          for (let i = 0; i < N; i++) {
            const m = await s.recv({ timeout: 5_000 });
            assert.equal(hex(m.header), hop1);
            assert.equal(m.text(), bodies[i]);
            await s.send(m, { timeout: 5_000 }); // a cooked send replaces any header
          }
          const seen = await peer.waitForMessages(N, 5_000);
          assert.deepEqual(seen.map((m) => [hex(m.header), text(m.body)]), bodies.map((b) => [hop1, b]));
          assert.equal(await peer.exit(5_000), 0);
        } finally {
          await s.close();
        }
      });

      test(`${transport} ${proto}: nngcat --dial --data ping <-> nngts listening replies pong`, { timeout: 10_000 }, async () => {
        const s = open(proto);
        try {
          const url = await listenUrl(s, transport);
          // nngcat's send-then-receive mode: one "ping", then it prints what arrives for 1 s
          const cat = spawnNngcat([`--${proto}`, "--dial", url, "--data", "ping", "--count", "1", "--interval", "1", "--recv-timeout", "1", "--quoted"]);
          const m = await s.recv({ timeout: 5_000 });
          assert.equal(m.text(), "ping");
          assert.equal(hex(m.header), hop1);
          await s.send("pong", { timeout: 5_000 });
          assert.equal(await cat.exit(5_000), 0, cat.stderr());
          assert.equal(cat.stdout().toString(), '"pong"\n');
        } finally {
          await s.close();
        }
      });

      test(`${transport} ${proto}: nngts dials -> nngcat --listen --quoted`, { timeout: 10_000 }, async () => {
        const url = transport === "tcp" ? `tcp://127.0.0.1:${await freePort()}` : tmpIpcUrl("catp");
        const cat = spawnNngcat([`--${proto}`, "--listen", url, "--quoted", "--count", "3", "--recv-timeout", "5"]);
        const s = open(proto);
        try {
          s.setOption("reconnect-time-min", 20);
          await s.dial(url, { nonblock: true }); // nngcat may not be listening yet
          await s.send("a", { timeout: 5_000 });
          await s.send(new Uint8Array(0), { timeout: 5_000 });
          await s.send("bc", { timeout: 5_000 });
          assert.equal(await cat.exit(5_000), 0, cat.stderr());
          assert.equal(cat.stdout().toString(), '"a"\n""\n"bc"\n');
        } finally {
          await s.close();
        }
      });

      test(`${transport} ${proto} raw: nngts raw <-> C peer raw echo`, { timeout: 10_000 }, async () => {
        const peer = await startPeer([proto, "listen", peerListenUrl(transport), "--raw", "--echo", String(N), "--recv-timeout", "5000"]);
        const s = open(proto, true);
        try {
          await within(s.dial(peer.url), 5_000, "dial");
          for (const b of bodies) await s.send(proto === "pair1" ? hopMsg(1, b) : new Message(b), { timeout: 5_000 });
          const back: [string, string][] = [];
          for (let i = 0; i < N; i++) {
            const m = await s.recv({ timeout: 5_000 });
            back.push([hex(m.header), m.text()]);
          }
          const seen = await peer.waitForMessages(N, 5_000);
          if (proto === "pair1") {
            // our raw send of hop 1 leaves as 2; the raw echo sends 2, which arrives as 3
            assert.deepEqual(seen.map((m) => [hex(m.header), text(m.body)]), bodies.map((b) => ["00000002", b]));
            assert.deepEqual(back, bodies.map((b) => ["00000003", b]));
          } else {
            assert.deepEqual(seen.map((m) => [hex(m.header), text(m.body)]), bodies.map((b) => ["", b]));
            assert.deepEqual(back, bodies.map((b) => ["", b]));
          }
          assert.equal(await peer.exit(5_000), 0);
        } finally {
          await s.close();
        }
      });

      test(`${transport} ${proto}: 1 MiB and zero-length messages through a C echo`, { timeout: 15_000 }, async () => {
        const peer = await startPeer([proto, "listen", peerListenUrl(transport), "--echo", "3", "--recv-timeout", "5000"]);
        const s = open(proto);
        try {
          await within(s.dial(peer.url), 5_000, "dial");
          const big = new Uint8Array(randomBytes(1 << 20));
          await s.send(new Uint8Array(0), { timeout: 5_000 });
          await s.send(big, { timeout: 5_000 });
          await s.send("", { timeout: 5_000 });
          const a = await s.recv({ timeout: 8_000 });
          const b = await s.recv({ timeout: 8_000 });
          const c = await s.recv({ timeout: 8_000 });
          assert.equal(a.length, 0);
          assert.equal(b.length, 1 << 20);
          assert.ok(Buffer.from(b.body).equals(big), "1 MiB body intact after the round trip");
          assert.equal(c.length, 0);
          for (const m of [a, b, c]) assert.equal(hex(m.header), hop1);
          const seen = await peer.waitForMessages(3, 5_000);
          assert.deepEqual(seen.map((m) => m.body.length), [0, 1 << 20, 0]);
          assert.equal(await peer.exit(5_000), 0);
        } finally {
          await s.close();
        }
      });
    }

    test(`${transport} pair1: cooked nngts -> raw C echo: hop count 2 after the raw hop`, { timeout: 10_000 }, async () => {
      const peer = await startPeer(["pair1", "listen", peerListenUrl(transport), "--raw", "--echo", String(N), "--recv-timeout", "5000"]);
      const s = new Pair1();
      try {
        await within(s.dial(peer.url), 5_000, "dial");
        for (const b of bodies) await s.send(b, { timeout: 5_000 });
        for (const b of bodies) {
          const m = await s.recv({ timeout: 5_000 });
          assert.equal(hex(m.header), "00000002");
          assert.equal(m.text(), b);
        }
        // the raw peer saw the first hop
        const seen = await peer.waitForMessages(N, 5_000);
        assert.deepEqual(seen.map((m) => hex(m.header)), bodies.map(() => "00000001"));
        assert.equal(await peer.exit(5_000), 0);
      } finally {
        await s.close();
      }
    });

    test(`${transport} pair1: raw nngts echoes for a cooked C peer (the peer sees hop count 2)`, { timeout: 10_000 }, async () => {
      const s = new Pair1({ raw: true });
      try {
        const url = await listenUrl(s, transport);
        const peer = await startPeer(["pair1", "dial", url, "--send", String(N), "--recv", String(N), "--recv-timeout", "5000"]);
        for (const b of bodies) {
          const m = await s.recv({ timeout: 5_000 });
          assert.equal(hex(m.header), "00000001");
          assert.equal(m.text(), b);
          await s.send(m, { timeout: 5_000 }); // raw: header kept, bumped on the way out
        }
        const seen = await peer.waitForMessages(N, 5_000);
        assert.deepEqual(seen.map((m) => [hex(m.header), text(m.body)]), bodies.map((b) => ["00000002", b]));
        assert.equal(await peer.exit(5_000), 0);
      } finally {
        await s.close();
      }
    });

    test(`${transport} pair1: hop counts from libnng over ttl-max are dropped, up to ttl-max pass`, { timeout: 10_000 }, async () => {
      const s = new Pair1();
      try {
        s.setOption("recv-buffer", 8);
        const url = await listenUrl(s, transport);
        // raw libnng sends header+1: 00000008 arrives as 9 (> ttl-max 8), 00000007 as 8
        const over = await startPeer(["pair1", "dial", url, "--raw", "--header", "00000008", "--data", "over", "--send", "1"]);
        assert.equal(await over.exit(5_000), 0);
        const atMax = await startPeer(["pair1", "dial", url, "--raw", "--header", "00000007", "--data", "at-max", "--send", "1"]);
        const m = await s.recv({ timeout: 5_000 });
        assert.equal(m.text(), "at-max");
        assert.equal(hex(m.header), "00000008");
        assert.equal(await atMax.exit(5_000), 0);
        assert.equal(s.stats().counters["ttl-drop"], 1);
        await assert.rejects(s.recv({ nonblock: true }), { code: "EAGAIN" });
      } finally {
        await s.close();
      }
    });
  }

  test("pair0 and pair1 do not talk to each other (protocol mismatch rejected by both sides)", { timeout: 10_000 }, async () => {
    const s = new Pair1();
    try {
      const url = await listenUrl(s, "ipc");
      const peer = await startPeer(["pair0", "dial", url, "--send", "1", "--send-timeout", "300"]).catch((e: Error) => e);
      // libnng's dial succeeds at the transport level; its pipe is then refused
      if (!(peer instanceof Error)) await peer.exit(5_000);
      await assert.rejects(s.recv({ timeout: 300 }), { code: "ETIMEDOUT" });
      assert.ok((s.stats().reject ?? 0) >= 1, JSON.stringify(s.stats()));
      assert.equal(s.stats().pipes, 0);
    } finally {
      await s.close();
    }
  });
});
