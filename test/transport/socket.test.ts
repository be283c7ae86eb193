// The socket:// transport: adopting connected Node sockets, Duplex streams and file descriptors as pipes.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Duplex } from "node:stream";
import { fileURLToPath } from "node:url";
import { after, describe, test } from "node:test";
import { adoptStream, type Listener, NngError, Pair0, Pull0, Push0, type Socket } from "../../src/index.js";
import { sleep, until, within } from "../helpers/wait.js";

const sockets: Socket[] = [];
const servers: net.Server[] = [];
function track<T extends Socket>(s: T): T {
  sockets.push(s);
  return s;
}

/** A plain tcp server on 127.0.0.1 whose accepted sockets go to `listener`. */
async function handingServer(listener: Listener): Promise<number> {
  const srv = net.createServer((s) => adoptStream(listener, s));
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  return (srv.address() as net.AddressInfo).port;
}

/** Two in-memory Duplex streams wired to each other (what a socketpair is, without a kernel). */
function duplexPair(): [Duplex, Duplex] {
  let a: Duplex | null = null;
  let b: Duplex | null = null;
  const make = (other: () => Duplex) =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        other().push(chunk);
        cb();
      },
      final(cb) {
        other().push(null);
        cb();
      },
    });
  a = make(() => b!);
  b = make(() => a!);
  return [a, b];
}

describe("socket:// transport", { timeout: 60_000 }, () => {
  after(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    for (const s of servers) s.close();
  });

  test("a socket accepted by a plain net server becomes a pipe; a tcp dialer talks to it", async () => {
    const a = track(new Pair0());
    const b = track(new Pair0());
    const l = await a.listen("socket://");
    assert.equal(l.getOption("url"), "socket://");
    assert.deepEqual(l.getOption("local-address"), { family: "unspec" });
    const port = await handingServer(l);
    await within(b.dial(`tcp://127.0.0.1:${port}`), 3_000, "dial");
    await b.send("hello");
    assert.equal((await a.recv({ timeout: 3_000 })).text(), "hello");
    await a.send("back");
    assert.equal((await b.recv({ timeout: 3_000 })).text(), "back");
    const pipe = a.pipes[0]!;
    assert.equal(pipe.dialer, false);
    assert.equal(pipe.getOption("url"), "socket://");
    assert.deepEqual(pipe.getOption("remote-address"), { family: "unspec" });
    assert.equal(l.stats.accept, 1);
  });

  test("one listener adopts many streams (fan-in); each is its own pipe", async () => {
    const pull = track(new Pull0());
    const l = await pull.listen("socket://");
    const port = await handingServer(l);
    const pushes = [0, 1, 2].map(() => track(new Push0()));
    for (const p of pushes) await within(p.dial(`tcp://127.0.0.1:${port}`), 3_000, "dial");
    await until(() => pull.pipes.length === 3, 3_000, "3 pipes");
    await Promise.all(pushes.map((p, i) => p.send(`from ${i}`)));
    const got = [];
    for (let i = 0; i < 3; i++) got.push((await pull.recv({ timeout: 3_000 })).text());
    assert.deepEqual(got.sort(), ["from 0", "from 1", "from 2"]);
  });

  test("any Duplex will do: two listeners joined by an in-memory stream pair exchange messages", async () => {
    const a = track(new Pair0());
    const b = track(new Pair0());
    const la = await a.listen("socket://");
    const lb = await b.listen("socket://");
    const [x, y] = duplexPair();
    adoptStream(la, x);
    adoptStream(lb, y);
    await until(() => a.pipes.length === 1 && b.pipes.length === 1, 3_000, "pipes");
    const big = new Uint8Array(300_000).map((_, i) => i & 0xff);
    await a.send(big);
    const got = await b.recv({ timeout: 3_000 });
    assert.ok(Buffer.from(got.body).equals(Buffer.from(big)));
    await b.send("ok");
    assert.equal((await a.recv({ timeout: 3_000 })).text(), "ok");
    // Closing one side's pipe ends the stream: the other side loses its pipe too.
    a.pipes[0]!.close();
    await until(() => b.pipes.length === 0, 3_000, "peer pipe gone");
  });

  test("streams handed over before the listener starts wait for it (at most 16, then ENOSPC)", async () => {
    const a = track(new Pair0());
    const b = track(new Pair0());
    const l = a.createListener("socket://");
    const lb = await b.listen("socket://");
    const [x, y] = duplexPair();
    adoptStream(l, x);
    adoptStream(lb, y);
    await sleep(20);
    assert.equal(a.pipes.length, 0);
    await l.start();
    await until(() => a.pipes.length === 1, 3_000, "pipe after start");
    await b.send("late");
    assert.equal((await a.recv({ timeout: 3_000 })).text(), "late");

    const c = track(new Pair0());
    const lc = c.createListener("socket://");
    const extra: Duplex[] = [];
    for (let i = 0; i < 16; i++) {
      const [p] = duplexPair();
      extra.push(p);
      adoptStream(lc, p);
    }
    const [overflow] = duplexPair();
    assert.throws(() => adoptStream(lc, overflow), { code: "ENOSPC" });
    assert.equal(overflow.destroyed, true);
    await lc.close();
  });

  test("socket:fd adopts a file descriptor, set before or after start (a socketpair with a child process)", async () => {
    const peer = fileURLToPath(new URL("../helpers/socket-fd-peer.js", import.meta.url));
    for (const when of ["before", "after"]) {
      const child = spawn(process.execPath, [peer, when, "3"], { stdio: ["ignore", "inherit", "inherit", "pipe"] });
      const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
      try {
        const me = track(new Pair0());
        const l = await me.listen("socket://");
        adoptStream(l, child.stdio[3] as net.Socket);
        await until(() => me.pipes.length === 1, 5_000, `pipe to child (${when})`);
        for (let i = 0; i < 3; i++) {
          await me.send(`m${i}`, { timeout: 3_000 });
          assert.equal((await me.recv({ timeout: 5_000 })).text(), `echo:m${i}`);
        }
        assert.equal(await within(exited, 5_000, "child exit"), 0);
        await me.close();
      } finally {
        child.kill("SIGKILL");
      }
    }
  });

  test("errors: no dialer, wrong listener, closed listener, bad descriptors, write-only option", async () => {
    const s = track(new Pair0());
    await assert.rejects(s.dial("socket://"), { code: "ENOTSUP" });
    const d = s.createDialer("socket://");
    assert.throws(() => d.setOption("socket:fd", 0), { code: "ENOTSUP" });

    const tcp = await s.listen("tcp://127.0.0.1:0");
    const [p] = duplexPair();
    assert.throws(() => adoptStream(tcp, p), { code: "ENOTSUP" });

    const l = await s.listen("socket://");
    assert.throws(() => l.setOption("socket:fd", -1), { code: "EINVAL" });
    assert.throws(() => l.setOption("socket:fd", "3"), { code: "EBADTYPE" });
    assert.throws(() => l.getOption("socket:fd"), { code: "EWRITEONLY" });
    // A regular file is not a socket.
    const dir = mkdtempSync(join(tmpdir(), "nngts-sfd-"));
    const fd = openSync(join(dir, "f"), "w");
    try {
      assert.throws(() => l.setOption("socket:fd", fd), { code: "EINVAL" });
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }

    await l.close();
    const [q] = duplexPair();
    assert.throws(() => adoptStream(l, q), (e: unknown) => e instanceof NngError && e.code === "ECLOSED");
    assert.equal(q.destroyed, true);
    assert.throws(() => l.setOption("socket:fd", 0), { code: "ECLOSED" });
  });

  test("bad input on an adopted stream closes only that stream", async () => {
    const a = track(new Pair0());
    const l = await a.listen("socket://");
    const [x, y] = duplexPair();
    adoptStream(l, x);
    y.on("data", () => {});
    y.write(Uint8Array.of(0, 0x53, 0x50, 0, 0, 0x10, 0xff, 0xff)); // bad SP header
    await until(() => x.destroyed && l.stats.negotiateFailed === 1, 3_000, "bad stream dropped");
    const [x2, y2] = duplexPair();
    const b = track(new Pair0());
    adoptStream(l, x2);
    adoptStream(await b.listen("socket://"), y2);
    await until(() => a.pipes.length === 1, 3_000, "good stream adopted");
    await b.send("fine");
    assert.equal((await a.recv({ timeout: 3_000 })).text(), "fine");
  });

  test("closing the listener drops streams still in the SP handshake", async () => {
    const a = track(new Pair0());
    const l = await a.listen("socket://");
    const [x] = duplexPair();
    adoptStream(l, x);
    await sleep(20);
    assert.equal(x.destroyed, false);
    await l.close();
    assert.equal(x.destroyed, true);
  });
});
