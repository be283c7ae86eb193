// The tcp transport: pipe addresses, tcp options, URL forms and flow control through the kernel.
import assert from "node:assert/strict";
import * as net from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, test } from "node:test";
import { Pair0, type Pipe, Pull0, Push0, type SockAddr, type Socket } from "../../src/index.js";
import { freePort } from "../helpers/libnng.js";
import { until, within } from "../helpers/wait.js";

/** Connects a pair over `listenUrl`; returns both pipes once both sides have them. */
async function connectedPair(listenUrl: string, dialUrl?: (port: number) => string): Promise<{ a: Socket; b: Socket; pa: Pipe; pb: Pipe; port: number }> {
  const a = new Pair0();
  const b = new Pair0();
  const l = await within(a.listen(listenUrl), 3_000, "listen");
  const port = l.getOption("tcp-bound-port") as number;
  await within(b.dial(dialUrl ? dialUrl(port) : `tcp://127.0.0.1:${port}`), 3_000, "dial");
  await until(() => a.pipes.length === 1 && b.pipes.length === 1, 3_000, "pipes");
  return { a, b, pa: a.pipes[0]!, pb: b.pipes[0]!, port };
}

const ipv6Loopback = await new Promise<boolean>((resolve) => {
  const srv = net.createServer();
  srv.once("error", () => resolve(false));
  srv.listen(0, "::1", () => srv.close(() => resolve(true)));
});

describe("tcp transport", { timeout: 30_000 }, () => {
  test("pipes report local and remote addresses, mirrored between the two ends", async () => {
    const { a, b, pa, pb, port } = await connectedPair("tcp://127.0.0.1:0");
    try {
      const aLocal = pa.getOption("local-address") as SockAddr;
      const aRemote = pa.getOption("remote-address") as SockAddr;
      const bLocal = pb.getOption("local-address") as SockAddr;
      const bRemote = pb.getOption("remote-address") as SockAddr;
      assert.deepEqual(aLocal, { family: "inet", address: "127.0.0.1", port });
      assert.deepEqual(bRemote, { family: "inet", address: "127.0.0.1", port });
      assert.equal(aRemote.family, "inet");
      assert.equal(aRemote.address, "127.0.0.1");
      assert.ok(aRemote.port! > 0 && aRemote.port !== port);
      assert.deepEqual(bLocal, aRemote);
      assert.deepEqual(pa.localAddress, aLocal);
      assert.deepEqual(pb.remoteAddress, bRemote);
      assert.equal(pb.getOption("url"), `tcp://127.0.0.1:${port}`);
      assert.equal(pa.dialer, false);
      assert.equal(pb.dialer, true);
      assert.equal(pa.peer, 0x10);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test("listener local-address and url report the bound port", async () => {
    const s = new Pull0();
    try {
      const l = await s.listen("tcp://127.0.0.1:0");
      const port = l.getOption("tcp-bound-port") as number;
      assert.deepEqual(l.getOption("local-address"), { family: "inet", address: "127.0.0.1", port });
      assert.equal(l.getOption("url"), `tcp://127.0.0.1:${port}`);
    } finally {
      await s.close();
    }
  });

  test("tcp-nodelay (default on) and tcp-keepalive (default off): socket, endpoints and pipes", async () => {
    const a = new Pair0();
    const b = new Pair0();
    try {
      assert.equal(a.getOption("tcp-nodelay"), true);
      assert.equal(a.getOption("tcp-keepalive"), false);
      a.setOption("tcp-nodelay", false);
      a.setOption("tcp-keepalive", true);
      assert.equal(a.getOption("tcp-nodelay"), false);
      assert.equal(a.getOption("tcp-keepalive"), true);
      assert.throws(() => a.setOption("tcp-nodelay", 1 as unknown as boolean), { code: "EBADTYPE" });
      assert.throws(() => a.setOption("tcp-keepalive", "yes" as unknown as boolean), { code: "EBADTYPE" });

      const l = a.createListener("tcp://127.0.0.1:0");
      assert.equal(l.getOption("tcp-nodelay"), false, "inherited from the socket");
      l.setOption("tcp-keepalive", false); // the endpoint overrides
      await l.start();
      const port = l.getOption("tcp-bound-port") as number;

      const d = b.createDialer(`tcp://127.0.0.1:${port}`);
      assert.equal(d.getOption("tcp-nodelay"), true);
      d.setOption("tcp-keepalive", true);
      assert.equal(d.getOption("tcp-keepalive"), true);
      assert.throws(() => d.setOption("tcp-nodelay", 0 as unknown as boolean), { code: "EBADTYPE" });
      await within(d.start(), 3_000, "dial");
      await until(() => a.pipes.length === 1 && b.pipes.length === 1, 3_000, "pipes");

      assert.equal(a.pipes[0]!.getOption("tcp-nodelay"), false);
      assert.equal(a.pipes[0]!.getOption("tcp-keepalive"), false);
      assert.equal(b.pipes[0]!.getOption("tcp-nodelay"), true);
      assert.equal(b.pipes[0]!.getOption("tcp-keepalive"), true);
      // the options change nothing on the wire
      await b.send("opts", { timeout: 3_000 });
      assert.equal((await a.recv({ timeout: 3_000 })).text(), "opts");
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test("listener URL forms: tcp://*:port, tcp://:port and tcp4://", async () => {
    for (const form of ["tcp://*:PORT", "tcp://:PORT", "tcp4://127.0.0.1:PORT"]) {
      const port = await freePort();
      const pull = new Pull0();
      const push = new Push0();
      try {
        await within(pull.listen(form.replace("PORT", String(port))), 3_000, `listen ${form}`);
        await within(push.dial(`tcp://127.0.0.1:${port}`), 3_000, "dial");
        await push.send(form, { timeout: 3_000 });
        assert.equal((await pull.recv({ timeout: 3_000 })).text(), form);
      } finally {
        await Promise.all([pull.close(), push.close()]);
      }
    }
  });

  test("tcp6 / [::1] addresses", { skip: !ipv6Loopback && "no IPv6 loopback" }, async () => {
    const { a, b, pa, pb, port } = await connectedPair("tcp://[::1]:0", (p) => `tcp6://[::1]:${p}`);
    try {
      assert.deepEqual(pa.localAddress, { family: "inet6", address: "::1", port });
      assert.equal(pb.remoteAddress.family, "inet6");
      await b.send("v6", { timeout: 3_000 });
      assert.equal((await a.recv({ timeout: 3_000 })).text(), "v6");
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test("creating an endpoint refuses what nng_dialer_create / nng_listener_create refuse (EADDRINVAL at once)", async () => {
    const s = new Push0();
    try {
      for (const url of ["tcp://127.0.0.1", "tcp://:5555", "tcp://127.0.0.1:5/x", "tcp://u@127.0.0.1:5", "tcp://127.0.0.1:5?q"]) {
        assert.throws(() => s.createDialer(url), { code: "EADDRINVAL" }, url);
      }
      for (const url of ["tcp://127.0.0.1:99999", "tcp://127.0.0.1:x", "tcp://256.1.1.1:5", "tcp://127.0.0.1:5/x"]) {
        assert.throws(() => s.createListener(url), { code: "EADDRINVAL" }, url);
      }
      assert.equal(s.stats().dialers, 0);
      assert.equal(s.stats().listeners, 0);
      // libnng finds these only when the endpoint starts.
      const d = s.createDialer("tcp://127.0.0.1:99999");
      await assert.rejects(d.start(), { code: "EADDRINVAL" });
      const l = s.createListener("tcp4://[::1]:0");
      await assert.rejects(l.start(), { code: "EADDRINVAL" });
      s.createDialer("tcp://127.0.0.1:5/").close();
    } finally {
      await s.close();
    }
  });

  test("bad addresses: no port to dial, a name that does not resolve", async () => {
    const s = new Push0();
    try {
      await assert.rejects(s.dial("tcp://127.0.0.1"), { code: "EADDRINVAL" });
      await assert.rejects(s.listen("tcp4://[::1]:0"), { code: "EADDRINVAL" });
      assert.equal(s.stats().dialers, 0);
      assert.equal(s.stats().listeners, 0);
    } finally {
      await s.close();
    }
  });

  test("flow control: a pull that stops receiving makes the push wait (ETIMEDOUT), nothing lost or reordered", { timeout: 20_000 }, async () => {
    const pull = new Pull0();
    const push = new Push0();
    try {
      pull.setOption("recv-buffer", 4);
      const l = await pull.listen("tcp://127.0.0.1:0");
      await within(push.dial(l.getOption("url") as string), 3_000, "dial");
      const body = new Uint8Array(64 * 1024);
      const view = new DataView(body.buffer);
      let sent = 0;
      let failure: unknown;
      // the kernel's buffers take some megabytes; after that every send waits
      while (sent < 2000) {
        view.setUint32(0, sent);
        try {
          await push.send(body, { timeout: 150 });
          sent++;
        } catch (e) {
          failure = e;
          break;
        }
      }
      assert.equal((failure as { code?: string } | undefined)?.code, "ETIMEDOUT", `sent ${sent} without blocking`);
      assert.ok(sent > 0);
      // the receiver took only what its queue holds: the rest waits in the kernel, not in memory
      assert.ok(pull.stats().rxMsgs <= 4 + 1, `pull took ${pull.stats().rxMsgs} messages`);
      // a blocked sender does not lose its message
      for (let i = 0; i < sent; i++) {
        const m = await pull.recv({ timeout: 5_000 });
        assert.equal(m.length, body.length);
        assert.equal(new DataView(m.body.buffer, m.body.byteOffset).getUint32(0), i, "in order");
      }
      await assert.rejects(pull.recv({ timeout: 100 }), { code: "ETIMEDOUT" });
      // and traffic flows again
      await push.send("after", { timeout: 3_000 });
      assert.equal((await pull.recv({ timeout: 3_000 })).text(), "after");
    } finally {
      await Promise.all([pull.close(), push.close()]);
    }
  });

  test("frames received before the peer closes are all delivered, even those held back by flow control", async () => {
    const pull = new Pull0();
    const raw = new net.Socket();
    try {
      const l = await pull.listen("tcp://127.0.0.1:0");
      await new Promise<void>((resolve, reject) => {
        raw.once("error", reject);
        raw.connect(l.getOption("tcp-bound-port") as number, "127.0.0.1", resolve);
      });
      // push0's SP header, then 20 frames and a close in one write: recv-buffer 0 pauses the pipe
      // after the first frame, so the other 19 wait in the decoder when the close arrives.
      const frames = [Buffer.from([0, 0x53, 0x50, 0, 0x00, 0x50, 0, 0])];
      for (let i = 0; i < 20; i++) {
        const body = Buffer.from(`m${i}`);
        const len = Buffer.alloc(8);
        len.writeUInt32BE(body.length, 4);
        frames.push(len, body);
      }
      raw.resume();
      raw.end(Buffer.concat(frames));
      await until(() => raw.closed, 3_000, "the connection closed");
      for (let i = 0; i < 20; i++) assert.equal((await pull.recv({ timeout: 3_000 })).text(), `m${i}`);
      await until(() => pull.pipes.length === 0, 3_000, "pipe removed after the held frames");
    } finally {
      raw.destroy();
      await pull.close();
    }
  });

  test("a send after the peer closed (frames still held back) closes the pipe, as NNG's failed write does", async () => {
    const pair = new Pair0();
    const raw = new net.Socket();
    try {
      const l = await pair.listen("tcp://127.0.0.1:0");
      await new Promise<void>((resolve, reject) => {
        raw.once("error", reject);
        raw.connect(l.getOption("tcp-bound-port") as number, "127.0.0.1", resolve);
      });
      // pair0's SP header and 5 frames: the first fills the queue, the rest wait in the decoder.
      const frames = [Buffer.from([0, 0x53, 0x50, 0, 0x00, 0x10, 0, 0])];
      for (let i = 0; i < 5; i++) frames.push(Buffer.from([0, 0, 0, 0, 0, 0, 0, 1, 0x30 + i]));
      raw.resume();
      raw.end(Buffer.concat(frames));
      await until(() => raw.closed, 3_000, "the connection closed");
      assert.equal(pair.pipes.length, 1, "the pipe stays while it holds frames");
      await pair.send("into the void", { timeout: 1_000 });
      await until(() => pair.pipes.length === 0, 3_000, "the pipe closed by the send");
    } finally {
      raw.destroy();
      await pair.close();
    }
  });

  test("many small messages are coalesced and arrive complete and in order", async () => {
    const pull = new Pull0();
    const push = new Push0();
    try {
      pull.setOption("recv-buffer", 1000);
      const l = await pull.listen("tcp://127.0.0.1:0");
      await within(push.dial(l.getOption("url") as string), 3_000, "dial");
      const sends: Promise<void>[] = [];
      for (let i = 0; i < 1000; i++) sends.push(push.send(`m${i}`, { timeout: 5_000 }));
      await within(Promise.all(sends), 5_000, "sends");
      for (let i = 0; i < 1000; i++) assert.equal((await pull.recv({ timeout: 3_000 })).text(), `m${i}`);
    } finally {
      await Promise.all([pull.close(), push.close()]);
    }
  });

  test("a connection that never sends holds no write batch: 128 idle pipes cost far less than 128 x 64 KiB", async () => {
    const gc = collector();
    const pull = new Pull0();
    const pushes = Array.from({ length: 64 }, () => new Push0());
    try {
      const l = await pull.listen("tcp://127.0.0.1:0");
      const url = l.getOption("url") as string;
      gc();
      const before = process.memoryUsage().arrayBuffers;
      for (const p of pushes) await within(p.dial(url), 3_000, "dial");
      await until(() => pull.pipes.length === 64, 3_000, "pipes");
      gc();
      const grown = process.memoryUsage().arrayBuffers - before;
      // Both ends of 64 connections: a slab each would be 8 MiB.
      assert.ok(grown < 2 * 1024 * 1024, `array buffers grew by ${grown} bytes`);
      // The first send still gets its batch, and the message through.
      await pushes[0]!.send("first", { timeout: 3_000 });
      assert.equal((await pull.recv({ timeout: 3_000 })).text(), "first");
    } finally {
      await Promise.all([pull.close(), ...pushes.map((p) => p.close())]);
    }
  });
});

/** A garbage collection on demand (freed read buffers must not count as held memory). */
function collector(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}
