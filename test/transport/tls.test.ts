// The tls+tcp transport between nngts sockets: NNG's TLS options, verification, pipe options, bad input.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import * as tls from "node:tls";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type Dialer, type Listener, NngError, Pair0, Pull0, Push0, Rep0, Req0, type SockAddr, type Socket, TLS_AUTH_MODE } from "../../src/index.js";
import { makeTestCerts, type TestCerts } from "../helpers/certs.js";
import { sleep, until, within } from "../helpers/wait.js";

async function rejectsWith(p: Promise<unknown>, code: string, what: string): Promise<void> {
  await assert.rejects(within(p, 5_000, what), (e: unknown) => {
    assert.ok(e instanceof NngError, `${what}: not an NngError: ${String(e)}`);
    assert.equal(e.code, code, `${what}: ${e.message}`);
    return true;
  });
}

let certs: TestCerts;
const sockets: Socket[] = [];
function track<T extends Socket>(s: T): T {
  sockets.push(s);
  return s;
}

/** A started tls listener with the server certificate (and `extra` options), and its URL. */
async function serve(sock: Socket, extra: Record<string, string | number> = {}, url = "tls+tcp://127.0.0.1:0"): Promise<{ listener: Listener; url: string }> {
  const listener = sock.createListener(url);
  listener.setOption("tls-cert-key-file", certs.server.bundleFile);
  for (const [k, v] of Object.entries(extra)) listener.setOption(k, v);
  await within(listener.start(), 3_000, "listen");
  return { listener, url: listener.getOption("url") as string };
}

function dialer(sock: Socket, url: string, options: Record<string, string | number> = {}): Dialer {
  const d = sock.createDialer(url);
  for (const [k, v] of Object.entries(options)) d.setOption(k, v);
  return d;
}

describe("tls+tcp transport", { timeout: 60_000 }, () => {
  before(() => {
    certs = makeTestCerts();
  });
  after(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    certs.cleanup();
  });

  test("req/rep over tls+tcp with NNG's file options; the dialer verified the server", async () => {
    const rep = track(new Rep0());
    const req = track(new Req0());
    const { url } = await serve(rep);
    assert.match(url, /^tls\+tcp:\/\/127\.0\.0\.1:\d+$/);
    await within(dialer(req, url, { "tls-ca-file": certs.ca.certFile }).start(), 5_000, "dial");
    await req.send("ping");
    const m = await rep.recv({ timeout: 3_000 });
    assert.equal(m.text(), "ping");
    await rep.send("pong");
    assert.equal((await req.recv({ timeout: 3_000 })).text(), "pong");

    const dp = req.pipes[0]!;
    assert.equal(dp.getOption("tls-verified"), true);
    assert.equal(dp.getOption("tls-peer-cn"), "localhost");
    assert.deepEqual(dp.getOption("tls-peer-alt-names"), ["localhost", "127.0.0.1", "::1"]);
    const port = Number(new URL(url.replace("tls+tcp", "http")).port);
    assert.deepEqual(dp.getOption("remote-address") as SockAddr, { family: "inet", address: "127.0.0.1", port });
    assert.equal(dp.getOption("tcp-nodelay"), true);
    // The listener asked for no client certificate (NNG's default for servers).
    const lp = rep.pipes[0]!;
    assert.equal(lp.getOption("tls-verified"), false);
    assert.equal(lp.getOption("tls-peer-cn"), undefined);
    assert.deepEqual((lp.getOption("local-address") as SockAddr).port, port);
  });

  test("push/pull: many messages and one of 1 MiB keep their framing across TLS records", async () => {
    const pull = track(new Pull0());
    const push = track(new Push0());
    const { url } = await serve(pull);
    await within(dialer(push, url, { "tls-ca-file": certs.ca.certFile }).start(), 5_000, "dial");
    const big = new Uint8Array(1 << 20).map((_, i) => (i * 7) & 0xff);
    const sent: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) sent.push(push.send(`m${i}`, { timeout: 5_000 }));
    sent.push(push.send(big, { timeout: 5_000 }));
    for (let i = 0; i < 200; i++) assert.equal((await pull.recv({ timeout: 5_000 })).text(), `m${i}`);
    const got = await pull.recv({ timeout: 5_000 });
    assert.equal(got.length, big.length);
    assert.ok(Buffer.from(got.body).equals(Buffer.from(big)));
    await Promise.all(sent);
  });

  test("the dialer verifies by default: a server it cannot trust is refused with ECRYPTO", async () => {
    const rep = track(new Rep0());
    const { url } = await serve(rep);
    // No CA given: Node's bundled roots do not know our test CA.
    await rejectsWith(dialer(track(new Req0()), url).start(), "ECRYPTO", "dial without CA");
    // A CA that did not sign the server's certificate.
    await rejectsWith(dialer(track(new Req0()), url, { "tls-ca-file": certs.otherCa.certFile }).start(), "ECRYPTO", "dial with the wrong CA");
    // Explicitly required, wrong CA.
    await rejectsWith(
      dialer(track(new Req0()), url, { "tls-ca-file": certs.otherCa.certFile, "tls-authmode": TLS_AUTH_MODE.REQUIRED }).start(),
      "ECRYPTO",
      "required, wrong CA",
    );
    assert.equal(rep.pipes.length, 0);
  });

  test("tls-server-name: the name checked against the certificate (default: the URL's host)", async () => {
    const rep = track(new Rep0());
    const { url } = await serve(rep);
    const ca = { "tls-ca-file": certs.ca.certFile };
    await rejectsWith(dialer(track(new Req0()), url, { ...ca, "tls-server-name": "example.org" }).start(), "ECRYPTO", "wrong name");
    const req = track(new Req0());
    await within(dialer(req, url, { ...ca, "tls-server-name": "localhost" }).start(), 5_000, "right name");
    assert.equal(req.pipes[0]!.getOption("tls-verified"), true);
    // Dialing by name (localhost resolves to a loopback address the wildcard listener has).
    const rep6 = track(new Rep0());
    const { listener } = await serve(rep6, {}, "tls+tcp://:0");
    const port = listener.getOption("tcp-bound-port") as number;
    const byName = track(new Req0());
    await within(dialer(byName, `tls+tcp4://localhost:${port}`, ca).start(), 5_000, "dial localhost");
    assert.equal(byName.pipes[0]!.getOption("tls-peer-cn"), "localhost");
  });

  test("dialer tls-authmode none and optional connect to an untrusted server; tls-verified says so", async () => {
    const rep = track(new Rep0());
    const { url } = await serve(rep);
    for (const mode of [TLS_AUTH_MODE.NONE, TLS_AUTH_MODE.OPTIONAL]) {
      const req = track(new Req0());
      await within(dialer(req, url, { "tls-authmode": mode }).start(), 5_000, `dial authmode ${mode}`);
      await req.send("x");
      assert.equal((await rep.recv({ timeout: 3_000 })).text(), "x");
      await rep.send("y");
      assert.equal((await req.recv({ timeout: 3_000 })).text(), "y");
      assert.equal(req.pipes[0]!.getOption("tls-verified"), false);
      // The certificate is still there to read.
      assert.equal(req.pipes[0]!.getOption("tls-peer-cn"), "localhost");
    }
  });

  test("listener tls-authmode required: a client certificate from its CA passes, none or a wrong CA does not", async () => {
    const rep = track(new Rep0());
    const { listener, url } = await serve(rep, { "tls-authmode": TLS_AUTH_MODE.REQUIRED, "tls-ca-file": certs.ca.certFile });
    const ca = { "tls-ca-file": certs.ca.certFile };

    const good = track(new Req0());
    await within(dialer(good, url, { ...ca, "tls-cert-key-file": certs.client.bundleFile }).start(), 5_000, "dial with client cert");
    await until(() => rep.pipes.length === 1, 3_000, "server pipe");
    const lp = rep.pipes[0]!;
    assert.equal(lp.getOption("tls-verified"), true);
    assert.equal(lp.getOption("tls-peer-cn"), "nngts-client");
    assert.deepEqual(lp.getOption("tls-peer-alt-names"), ["nngts-client"]);

    // No client certificate: the server drops the connection before the SP handshake.
    const failedBefore = listener.stats.negotiateFailed;
    await assert.rejects(within(dialer(track(new Req0()), url, ca).start(), 5_000, "dial without client cert"), NngError);
    // A certificate from a CA the listener does not trust.
    const wrongCa = track(new Rep0());
    const other = await serve(wrongCa, { "tls-authmode": TLS_AUTH_MODE.REQUIRED, "tls-ca-file": certs.otherCa.certFile });
    await assert.rejects(
      within(dialer(track(new Req0()), other.url, { ...ca, "tls-cert-key-file": certs.client.bundleFile }).start(), 5_000, "wrong CA"),
      NngError,
    );
    await until(() => listener.stats.negotiateFailed === failedBefore + 1 && other.listener.stats.negotiateFailed === 1, 3_000, "failures counted");
    assert.equal(rep.pipes.length, 1);
    assert.equal(wrongCa.pipes.length, 0);
  });

  test("listener tls-authmode optional: clients with and without certificates both get in", async () => {
    const rep = track(new Rep0());
    const { url } = await serve(rep, { "tls-authmode": TLS_AUTH_MODE.OPTIONAL, "tls-ca-file": certs.ca.certFile });
    const ca = { "tls-ca-file": certs.ca.certFile };
    await within(dialer(track(new Req0()), url, { ...ca, "tls-cert-key-file": certs.client.bundleFile }).start(), 5_000, "with cert");
    await within(dialer(track(new Req0()), url, ca).start(), 5_000, "without cert");
    await until(() => rep.pipes.length === 2, 3_000, "pipes");
    assert.deepEqual(rep.pipes.map((p) => p.getOption("tls-verified")).sort(), [false, true]);
  });

  test("tls-config takes Node's SecureContextOptions directly (PEM text, no files)", async () => {
    const rep = track(new Rep0());
    const l = rep.createListener("tls+tcp://127.0.0.1:0");
    l.setOption("tls-config", { cert: certs.server.cert, key: certs.server.key, ca: certs.ca.cert });
    l.setOption("tls-authmode", TLS_AUTH_MODE.REQUIRED);
    await within(l.start(), 3_000, "listen");
    const req = track(new Req0());
    const d = req.createDialer(l.getOption("url") as string);
    d.setOption("tls-config", { ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key });
    await within(d.start(), 5_000, "dial");
    await until(() => rep.pipes.length === 1, 3_000, "pipe");
    assert.equal(rep.pipes[0]!.getOption("tls-peer-cn"), "nngts-client");
    assert.equal(req.pipes[0]!.getOption("tls-verified"), true);
    // The NNG file options win over the same fields of tls-config.
    const req2 = track(new Req0());
    const d2 = req2.createDialer(l.getOption("url") as string);
    d2.setOption("tls-config", { ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key });
    d2.setOption("tls-ca-file", certs.otherCa.certFile);
    await rejectsWith(d2.start(), "ECRYPTO", "file option overrides tls-config");
  });

  test("socket-level TLS options are inherited by endpoints", async () => {
    const rep = track(new Rep0());
    rep.setOption("tls-cert-key-file", certs.server.bundleFile);
    const l = await within(rep.listen("tls+tcp://127.0.0.1:0"), 3_000, "listen");
    const req = track(new Req0());
    req.setOption("tls-ca-file", certs.ca.certFile);
    await within(req.dial(l.getOption("url") as string), 5_000, "dial");
    assert.equal(req.pipes[0]!.getOption("tls-verified"), true);
    assert.throws(() => req.getOption("tls-ca-file"), { code: "EWRITEONLY" });
  });

  test("option checks: types, ranges, read-only and write-only, files read when set", () => {
    const s = track(new Pair0());
    const d = s.createDialer("tls+tcp://127.0.0.1:1");
    assert.throws(() => d.setOption("tls-ca-file", join(certs.dir, "missing.pem")), { code: "ENOENT" });
    const junk = join(certs.dir, "junk.pem");
    writeFileSync(junk, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
    assert.throws(() => d.setOption("tls-ca-file", junk), { code: "ECRYPTO" });
    assert.throws(() => d.setOption("tls-cert-key-file", certs.server.certFile), { code: "ECRYPTO" }); // no key in it
    assert.throws(() => d.setOption("tls-ca-file", 5), { code: "EBADTYPE" });
    assert.throws(() => d.setOption("tls-authmode", 3), { code: "EINVAL" });
    assert.throws(() => d.setOption("tls-authmode", "required"), { code: "EBADTYPE" });
    assert.throws(() => d.setOption("tls-config", "x"), { code: "EBADTYPE" });
    assert.throws(() => d.setOption("tls-config", { ca: "garbage" }), { code: "ECRYPTO" });
    assert.throws(() => d.setOption("tls-verified", true), { code: "EREADONLY" });
    assert.throws(() => d.setOption("tls-peer-alt-names", "x"), { code: "EREADONLY" });
    d.setOption("tls-ca-file", certs.ca.certFile);
    d.setOption("tls-server-name", "localhost");
    assert.throws(() => d.getOption("tls-ca-file"), { code: "EWRITEONLY" });
    assert.throws(() => d.getOption("tls-server-name"), { code: "EWRITEONLY" });
    assert.throws(() => d.getOption("tls-verified"), { code: "ENOTSUP" });
    assert.ok(readFileSync(certs.ca.certFile, "utf8").includes("BEGIN CERTIFICATE"));
  });

  test("a listener without a certificate fails to start (EINVAL); bad URLs are EADDRINVAL", async () => {
    const s = track(new Rep0());
    await rejectsWith(s.listen("tls+tcp://127.0.0.1:0"), "EINVAL", "no cert");
    // As nng_listener_create / nng_dialer_create: a path, or a dialer without a port, fails at creation.
    assert.throws(() => s.createListener("tls+tcp://127.0.0.1:0/path"), { code: "EADDRINVAL" });
    assert.throws(() => s.createDialer("tls+tcp://127.0.0.1"), { code: "EADDRINVAL" });
    const l4 = s.createListener("tls+tcp4://[::1]:0");
    l4.setOption("tls-cert-key-file", certs.server.bundleFile);
    await rejectsWith(l4.start(), "EADDRINVAL", "v6 literal on tls+tcp4");
  });

  test("bad input: plain bytes, a stalled handshake and a reset close only that connection", async () => {
    const pair = track(new Pair0());
    const { listener, url } = await serve(pair);
    const port = listener.getOption("tcp-bound-port") as number;
    const raw = (data?: Uint8Array) =>
      new Promise<void>((resolve) => {
        const c = net.connect(port, "127.0.0.1", () => {
          if (data) c.write(data);
        });
        c.on("error", () => {});
        c.on("close", () => resolve());
      });
    // Not TLS at all (an SP header in clear).
    await within(raw(Uint8Array.of(0, 0x53, 0x50, 0, 0, 0x10, 0, 0)), 5_000, "plain SP header closed");
    // A half ClientHello, then a reset.
    const stalled = net.connect(port, "127.0.0.1", () => stalled.write(Uint8Array.of(0x16, 3, 1, 0, 200, 1, 0)));
    stalled.on("error", () => {});
    await sleep(50);
    stalled.resetAndDestroy();
    await until(() => listener.stats.negotiateFailed >= 2, 5_000, "failures counted");
    // The listener still serves a good client.
    const peer = track(new Pair0());
    await within(dialer(peer, url, { "tls-ca-file": certs.ca.certFile }).start(), 5_000, "good dial");
    await peer.send("still here");
    assert.equal((await pair.recv({ timeout: 3_000 })).text(), "still here");
  });

  test("bad input inside TLS: a bad SP header or an oversized frame closes only that connection", async () => {
    const pull = track(new Pull0());
    pull.setOption("recv-size-max", 1024);
    const { listener, url } = await serve(pull);
    const port = listener.getOption("tcp-bound-port") as number;
    const speak = (bytes: Uint8Array) =>
      new Promise<void>((resolve) => {
        const c = tls.connect({ port, host: "127.0.0.1", ca: certs.ca.cert, servername: "localhost" }, () => c.write(bytes));
        c.on("data", () => {});
        c.on("error", () => {});
        c.on("close", () => resolve());
      });
    await within(speak(Uint8Array.of(0, 0x53, 0x50, 1, 0, 0x50, 0, 0)), 5_000, "bad SP header closed");
    assert.equal(listener.stats.negotiateFailed, 1);
    // A valid push0 header (0x50), then a frame announcing 1 MiB, over the 1 KiB limit.
    const frame = Uint8Array.of(0, 0x53, 0x50, 0, 0, 0x50, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0);
    await within(speak(frame), 5_000, "oversized frame closed");
    assert.equal(pull.pipes.length, 0);
    assert.equal(pull.stats().counters["rx-oversize"], 1);
    const push = track(new Push0());
    await within(dialer(push, url, { "tls-ca-file": certs.ca.certFile }).start(), 5_000, "good dial");
    await push.send("ok");
    assert.equal((await pull.recv({ timeout: 3_000 })).text(), "ok");
  });

  test("closing a listener drops connections stuck in the TLS handshake", async () => {
    const s = track(new Pair0());
    const { listener } = await serve(s);
    const port = listener.getOption("tcp-bound-port") as number;
    const closed = new Promise<void>((resolve) => {
      const c = net.connect(port, "127.0.0.1");
      c.on("error", () => {});
      c.on("close", () => resolve());
    });
    // And one that finished TLS but never sends its SP header.
    const quiet = new Promise<void>((resolve) => {
      const c = tls.connect({ port, host: "127.0.0.1", ca: certs.ca.cert, servername: "localhost" });
      c.on("data", () => {});
      c.on("error", () => {});
      c.on("close", () => resolve());
    });
    await sleep(100);
    await within(listener.close(), 3_000, "listener close");
    await within(closed, 3_000, "stalled client closed");
    await within(quiet, 3_000, "client without SP header closed");
  });

  test("closing a dialer abandons a TLS handshake the server never answers", async () => {
    const held: net.Socket[] = [];
    const silent = net.createServer((c) => {
      held.push(c);
      c.on("error", () => {});
      c.resume(); // read (and drop) the ClientHello, so that the end is seen
    });
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    try {
      const port = (silent.address() as net.AddressInfo).port;
      const s = track(new Pair0());
      const d = dialer(s, `tls+tcp://127.0.0.1:${port}`, { "tls-ca-file": certs.ca.certFile });
      const started = d.start();
      await until(() => held.length === 1, 3_000, "connection reached the silent server");
      const gone = new Promise<void>((r) => held[0]!.once("close", () => r()));
      d.close();
      await rejectsWith(started, "ECLOSED", "dial abandoned");
      await within(gone, 3_000, "server side closed");
    } finally {
      silent.close();
    }
  });

  test("tls+tcp6 on ::1", async (t) => {
    const v6 = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once("error", () => resolve(false));
      srv.listen(0, "::1", () => srv.close(() => resolve(true)));
    });
    if (!v6) return t.skip("no IPv6 loopback");
    const rep = track(new Rep0());
    const { url } = await serve(rep, {}, "tls+tcp6://[::1]:0");
    assert.match(url, /^tls\+tcp6:\/\/\[::1\]:\d+$/);
    const req = track(new Req0());
    await within(dialer(req, url, { "tls-ca-file": certs.ca.certFile }).start(), 5_000, "dial v6");
    assert.equal((req.pipes[0]!.getOption("remote-address") as SockAddr).family, "inet6");
    assert.equal(req.pipes[0]!.getOption("tls-verified"), true);
  });
});
