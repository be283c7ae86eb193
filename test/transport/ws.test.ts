// ws:// and wss:// between nngts sockets, and what a hostile or broken WebSocket peer gets.
import assert from "node:assert/strict";
import { createServer, request } from "node:http";
import { type AddressInfo, connect, createServer as createNetServer } from "node:net";
import { after, before, describe, test } from "node:test";
import { NngError, Pair0, Pub0, Pull0, Push0, Rep0, Req0, shareHttpServer, Sub0, type Listener, type Socket, TLS_AUTH_MODE } from "../../src/index.js";
import { makeTestCerts, type TestCerts } from "../helpers/certs.js";
import { frame, OP, rawClient, rawServer } from "../helpers/ws-raw.js";

const PULL = "pull.sp.nanomsg.org";

async function listenUrl(sock: Socket, url: string): Promise<string> {
  const l = await sock.listen(url);
  return l.getOption("url") as string;
}

function portOf(url: string): number {
  return Number(/:(\d+)\//.exec(url)![1]);
}

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof NngError && e.code === code);
}

/** A pull listener with one well-behaved nngts push dialer; checks that the good pipe still works. */
async function pullWithGoodPeer(path = "/pull"): Promise<{ pull: Pull0; push: Push0; port: number; url: string; check(tag: string): Promise<void>; close(): Promise<void> }> {
  const pull = new Pull0();
  const url = await listenUrl(pull, `ws://127.0.0.1:0${path}`);
  const push = new Push0();
  await push.dial(url);
  const check = async (tag: string): Promise<void> => {
    await push.send(tag, { timeout: 2_000 });
    assert.equal((await pull.recv({ timeout: 2_000 })).text(), tag);
  };
  return { pull, push, port: portOf(url), url, check, close: async () => (await push.close(), await pull.close()) };
}

describe("ws transport", { timeout: 60_000 }, () => {
  test("req/rep and push/pull over ws, large messages fragmented and joined", async () => {
    const rep = new Rep0();
    const req = new Req0();
    const push = new Push0();
    const pull = new Pull0();
    try {
      const url = await listenUrl(rep, "ws://127.0.0.1:0/rr");
      assert.match(url, /^ws:\/\/127\.0\.0\.1:\d+\/rr$/);
      await req.dial(url);
      const served = (async () => {
        for (let i = 0; i < 2; i++) {
          const m = await rep.recv({ timeout: 5_000 });
          await rep.send(m.body);
        }
      })();
      await req.send("hello");
      assert.equal((await req.recv({ timeout: 5_000 })).text(), "hello");
      const big = new Uint8Array(200_000).map((_, i) => i & 0xff);
      await req.send(big);
      assert.ok(Buffer.from((await req.recv({ timeout: 5_000 })).body).equals(big));
      await served;

      const purl = await listenUrl(pull, "ws://127.0.0.1:0/");
      await push.dial(purl);
      for (let i = 0; i < 20; i++) await push.send(`m${i}`);
      for (let i = 0; i < 20; i++) assert.equal((await pull.recv({ timeout: 5_000 })).text(), `m${i}`);
      assert.equal((await push.send(new Uint8Array(0)), (await pull.recv({ timeout: 5_000 })).length), 0);
    } finally {
      await Promise.all([req.close(), rep.close(), push.close(), pull.close()]);
    }
  });

  test("several listeners share one host:port by path; a taken path is EADDRINUSE", async () => {
    const a = new Pull0();
    const b = new Pull0();
    const c = new Pull0();
    const pa = new Push0();
    const pb = new Push0();
    try {
      const ua = await listenUrl(a, "ws://127.0.0.1:0/a");
      const port = portOf(ua);
      const ub = await listenUrl(b, `ws://127.0.0.1:${port}/b`);
      assert.equal(ub, `ws://127.0.0.1:${port}/b`);
      await expectCode(c.listen(`ws://127.0.0.1:${port}/a`), "EADDRINUSE");
      await pa.dial(ua);
      await pb.dial(ub);
      await pa.send("to a");
      await pb.send("to b");
      assert.equal((await a.recv({ timeout: 2_000 })).text(), "to a");
      assert.equal((await b.recv({ timeout: 2_000 })).text(), "to b");
      // An unknown path is refused (404 -> ECONNREFUSED, as libnng's dialer reads it).
      const pc = new Push0();
      await expectCode(pc.dial(`ws://127.0.0.1:${port}/nothing`), "ECONNREFUSED");
      await pc.close();
      // Closing one listener leaves the other serving on the port.
      await a.close();
      await pb.send("still b");
      assert.equal((await b.recv({ timeout: 2_000 })).text(), "still b");
    } finally {
      await Promise.all([a.close(), b.close(), c.close(), pa.close(), pb.close()]);
    }
  });

  test("dialer offers the peer's name, listener requires its own: a mismatch is HTTP 400 / EPROTO", async () => {
    const pub = new Pub0();
    const req = new Req0();
    try {
      const url = await listenUrl(pub, "ws://127.0.0.1:0/p");
      // A req dialer offers rep.sp.nanomsg.org; the pub listener wants pub.sp.nanomsg.org.
      await expectCode(req.dial(url), "EPROTO");
      const port = portOf(url);
      const none = await rawClient(port, "/p", undefined);
      assert.equal(none.status, 400);
      none.sock.destroy();
      const wrong = await rawClient(port, "/p", "sub.sp.nanomsg.org");
      assert.equal(wrong.status, 400);
      wrong.sock.destroy();
      const right = await rawClient(port, "/p", "pub.sp.nanomsg.org");
      assert.equal(right.status, 101);
      assert.match(right.headers, /sec-websocket-protocol: pub\.sp\.nanomsg\.org/i);
      right.sock.destroy();
      const sub = new Sub0();
      await sub.dial(url);
      await sub.close();
    } finally {
      await Promise.all([pub.close(), req.close()]);
    }
  });

  test("ws:txframe-max cuts a message into BINARY + CONT frames; no SP header on the wire", async () => {
    const raw = await rawServer(PULL);
    const push = new Push0();
    try {
      push.setOption("ws:txframe-max", 4096);
      await push.dial(`ws://127.0.0.1:${raw.port}/`);
      await push.send(new Uint8Array(10_000).fill(9));
      await push.send("tiny");
      const deadline = Date.now() + 5_000;
      while ((raw.peers[0]?.reader.frames.length ?? 0) < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      const frames = raw.peers[0]!.reader.frames;
      assert.deepEqual(
        frames.map((f) => [f.op, f.fin, f.payload.length]),
        [
          [OP.BINARY, false, 4096],
          [OP.CONT, false, 4096],
          [OP.CONT, true, 1808],
          [OP.BINARY, true, 4],
        ],
      );
      assert.equal(frames[3]!.payload.toString(), "tiny");
    } finally {
      await push.close();
      raw.server.close();
    }
  });

  test("a frame over ws:rxframe-max closes that connection with 1009; others keep working", async () => {
    const t = await pullWithGoodPeer();
    try {
      t.pull.getOption("recv-size-max"); // default 0: only the frame limit applies
      const bad = await rawClient(t.port, "/pull", PULL);
      assert.equal(bad.status, 101);
      bad.sock.write(frame(OP.BINARY, new Uint8Array(1024 * 1024 + 1)));
      assert.equal(await bad.closed, 1009);
      await t.check("after oversized frame");
      // Many frames of one message, each under the frame limit, are fine without recv-size-max.
      const ok = await rawClient(t.port, "/pull", PULL);
      const part = new Uint8Array(600_000).fill(1);
      ok.sock.write(Buffer.concat([frame(OP.BINARY, part, { fin: false }), frame(OP.CONT, part)]));
      const m = await t.pull.recv({ timeout: 5_000 });
      assert.equal(m.length, 1_200_000);
      ok.sock.destroy();
    } finally {
      await t.close();
    }
  });

  test("a message over recv-size-max closes with 1009, even in small frames", async () => {
    const pull = new Pull0();
    try {
      pull.setOption("recv-size-max", 1000);
      const url = await listenUrl(pull, "ws://127.0.0.1:0/lim");
      const bad = await rawClient(portOf(url), "/lim", PULL);
      const part = new Uint8Array(600);
      bad.sock.write(Buffer.concat([frame(OP.BINARY, part, { fin: false }), frame(OP.CONT, part)]));
      assert.equal(await bad.closed, 1009);
      const good = new Push0();
      await good.dial(url);
      await good.send(new Uint8Array(1000));
      assert.equal((await pull.recv({ timeout: 2_000 })).length, 1000);
      await good.close();
    } finally {
      await pull.close();
    }
  });

  test("a TEXT frame closes that connection with 1003; others keep working", async () => {
    const t = await pullWithGoodPeer();
    try {
      const bad = await rawClient(t.port, "/pull", PULL);
      bad.sock.write(frame(OP.TEXT, Buffer.from("not binary")));
      assert.equal(await bad.closed, 1003);
      // Invalid UTF-8 in a TEXT frame is still "TEXT" (1003), not 1007.
      const bad2 = await rawClient(t.port, "/pull", PULL);
      bad2.sock.write(frame(OP.TEXT, Uint8Array.of(0xff, 0xfe)));
      assert.equal(await bad2.closed, 1003);
      await t.check("after text");
      assert.equal(t.pull.stats().counters["rx-malformed"], 2); // each closed pipe counted
    } finally {
      await t.close();
    }
  });

  test("the dialer side enforces the same limits on what a server sends", async () => {
    const raw = await rawServer(PULL);
    const push = new Push0();
    try {
      push.setOption("ws:rxframe-max", 100);
      await push.dial(`ws://127.0.0.1:${raw.port}/`);
      const deadline = Date.now() + 5_000;
      while (raw.peers.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      const peer = raw.peers[0]!;
      const removed = new Promise<void>((r) => push.pipeNotify("rem-post", () => r()));
      peer.sock.write(frame(OP.BINARY, new Uint8Array(101), { mask: false }));
      await removed;
      const deadline2 = Date.now() + 2_000;
      while (!peer.reader.frames.some((f) => f.op === OP.CLOSE) && Date.now() < deadline2) await new Promise((r) => setTimeout(r, 10));
      const close = peer.reader.frames.find((f) => f.op === OP.CLOSE);
      assert.equal(close?.payload.readUInt16BE(0), 1009);
    } finally {
      await push.close();
      raw.server.close();
    }
  });

  test("a slow-loris upgrade is dropped after the handshake timeout; others keep working", { timeout: 30_000 }, async () => {
    const t = await pullWithGoodPeer();
    try {
      const slow = connect(t.port, "127.0.0.1");
      slow.on("error", () => {});
      slow.write(`GET /pull HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n`);
      const drip = setInterval(() => slow.write("X-Slow: 1\r\n"), 1_000);
      const ended = new Promise<number>((r) => {
        const t0 = Date.now();
        slow.on("close", () => r(Date.now() - t0));
      });
      await t.check("during slow-loris");
      const took = await ended;
      clearInterval(drip);
      assert.ok(took < 20_000, `closed after ${took} ms`);
      await t.check("after slow-loris");
    } finally {
      await t.close();
    }
  });

  test("negotiation-timeout bounds the upgrade on both sides (well under the 10 s default)", { timeout: 20_000 }, async () => {
    const pull = new Pull0();
    const push = new Push0();
    const mute = createNetServer((s) => s.on("error", () => {})); // accepts, never answers the upgrade
    try {
      pull.setOption("negotiation-timeout", 300);
      const url = await listenUrl(pull, "ws://127.0.0.1:0/nt");
      const slow = connect(portOf(url), "127.0.0.1");
      slow.on("error", () => {});
      slow.resume(); // read, so that the server's answer and close reach us
      const t0 = Date.now();
      slow.write(`GET /nt HTTP/1.1\r\nHost: 127.0.0.1\r\n`); // and never the rest
      await new Promise<void>((r) => slow.on("close", () => r()));
      const listenerTook = Date.now() - t0;
      assert.ok(listenerTook < 5_000, `listener dropped the stalled upgrade after ${listenerTook} ms`);

      await new Promise<void>((r) => mute.listen(0, "127.0.0.1", r));
      const port = (mute.address() as AddressInfo).port;
      push.setOption("negotiation-timeout", 300);
      const t1 = Date.now();
      await assert.rejects(push.dial(`ws://127.0.0.1:${port}/nt`), (e: unknown) => e instanceof NngError);
      const dialerTook = Date.now() - t1;
      assert.ok(dialerTook < 5_000, `dialer gave up after ${dialerTook} ms`);
    } finally {
      mute.close();
      await Promise.all([pull.close(), push.close()]);
    }
  });

  test("ws:request-headers and ws:response-headers reach the other side's pipe", async () => {
    const pair = new Pair0();
    const dialer = new Pair0();
    try {
      const l = pair.createListener("ws://127.0.0.1:0/h");
      l.setOption("ws:response-headers", "X-Served-By: nngts\r\n");
      await l.start();
      const d = dialer.createDialer(l.getOption("url") as string);
      d.setOption("ws:request-headers", "X-Client: test-suite\r\nX-Other: 2\r\n");
      const listenerPipe = new Promise<import("../../src/index.js").Pipe>((r) => pair.pipeNotify("add-post", r));
      const dialerPipe = new Promise<import("../../src/index.js").Pipe>((r) => dialer.pipeNotify("add-post", r));
      await d.start();
      const lp = await listenerPipe;
      const dp = await dialerPipe;
      assert.match(lp.getOption("ws:request-headers") as string, /X-Client: test-suite\r\n/);
      assert.match(lp.getOption("ws:request-headers") as string, /X-Other: 2\r\n/);
      assert.match(dp.getOption("ws:response-headers") as string, /X-Served-By: nngts\r\n/);
      assert.equal(lp.getOption("ws:request-uri"), "/h");
    } finally {
      await Promise.all([pair.close(), dialer.close()]);
    }
  });

  test("shareHttpServer: a web app and nngts on one port", async () => {
    const web = createServer((_req, res) => res.end("web app"));
    await new Promise<void>((r) => web.listen(0, "127.0.0.1", r));
    const port = (web.address() as { port: number }).port;
    const stop = shareHttpServer(web);
    const rep = new Rep0();
    const req = new Req0();
    try {
      await rep.listen(`ws://127.0.0.1:${port}/nng`);
      const body = await new Promise<string>((resolve, reject) =>
        request({ host: "127.0.0.1", port, path: "/" }, (res) => {
          let s = "";
          res.on("data", (c) => (s += c)).on("end", () => resolve(s));
        })
          .on("error", reject)
          .end(),
      );
      assert.equal(body, "web app");
      await req.dial(`ws://127.0.0.1:${port}/nng`);
      await req.send("ping");
      const m = await rep.recv({ timeout: 2_000 });
      await rep.send(`${m.text()} pong`);
      assert.equal((await req.recv({ timeout: 2_000 })).text(), "ping pong");
      await rep.close();
      // The app's server outlives the nngts listener.
      assert.ok(web.listening);
    } finally {
      await Promise.all([req.close(), rep.close()]);
      stop();
      web.closeAllConnections();
      await new Promise((r) => web.close(r));
    }
  });

  // wss takes its TLS options from tls-config.ts, as tls+tcp: same checks, codes and pipe options.
  describe("wss (TLS options shared with tls+tcp)", () => {
    let certs: TestCerts;
    const sockets: Socket[] = [];
    const track = <T extends Socket>(s: T): T => (sockets.push(s), s);
    before(() => {
      certs = makeTestCerts();
    });
    after(async () => {
      await Promise.all(sockets.map((s) => s.close()));
      certs.cleanup();
    });

    async function start(sock: Socket, options: Record<string, string | number | object>): Promise<Listener> {
      const l = sock.createListener("wss://127.0.0.1:0/tls");
      for (const [k, v] of Object.entries(options)) l.setOption(k, v);
      await l.start();
      return l;
    }
    const serve = async (sock: Socket, options: Record<string, string | number | object>): Promise<string> =>
      (await start(sock, options)).getOption("url") as string;

    async function dial(sock: Socket, url: string, options: Record<string, string | number | object>): Promise<void> {
      const d = sock.createDialer(url);
      for (const [k, v] of Object.entries(options)) d.setOption(k, v);
      await d.start();
    }

    async function until(cond: () => boolean, what: string): Promise<void> {
      const end = Date.now() + 3_000;
      while (!cond()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    }

    test("req/rep over wss with a verified certificate; an untrusted one is refused", async () => {
      const rep = new Rep0();
      const req = new Req0();
      const stranger = new Req0();
      try {
        rep.setOption("tls-cert-key-file", certs.server.bundleFile);
        const url = await listenUrl(rep, "wss://127.0.0.1:0/secure");
        assert.match(url, /^wss:\/\//);
        await expectCode(stranger.dial(url), "ECRYPTO"); // as tls+tcp (libnng: a certificate that does not verify)
        req.setOption("tls-ca-file", certs.ca.certFile);
        await req.dial(url);
        await req.send("secret");
        const m = await rep.recv({ timeout: 5_000 });
        assert.equal(m.text(), "secret");
        assert.equal(rep.getPipe(m.pipe)?.getOption("tls-verified"), false); // the server asked no client certificate
        await rep.send("ok");
        const r = await req.recv({ timeout: 5_000 });
        assert.equal(r.text(), "ok");
        assert.equal(req.getPipe(r.pipe)?.getOption("tls-verified"), true);
      } finally {
        await Promise.all([rep.close(), req.close(), stranger.close()]);
      }
    });

    test("client certificates: tls-authmode required, tls-peer-cn and tls-peer-alt-names on both sides", async () => {
      const rep = track(new Rep0());
      const listener = await start(rep, { "tls-cert-key-file": certs.server.bundleFile, "tls-ca-file": certs.ca.certFile, "tls-authmode": TLS_AUTH_MODE.REQUIRED });
      const url = listener.getOption("url") as string;
      const req = track(new Req0());
      await dial(req, url, { "tls-ca-file": certs.ca.certFile, "tls-cert-key-file": certs.client.bundleFile });
      await req.send("who");
      const m = await rep.recv({ timeout: 5_000 });
      const lp = rep.getPipe(m.pipe)!;
      assert.equal(lp.getOption("tls-verified"), true);
      assert.equal(lp.getOption("tls-peer-cn"), "nngts-client");
      assert.deepEqual(lp.getOption("tls-peer-alt-names"), ["nngts-client"]);
      const dp = req.pipes[0]!;
      assert.equal(dp.getOption("tls-verified"), true);
      assert.equal(dp.getOption("tls-peer-cn"), "localhost");
      assert.deepEqual(dp.getOption("tls-peer-alt-names"), ["localhost", "127.0.0.1", "::1"]);
      assert.equal(dp.getOption("ws:request-uri"), "/tls");

      // No client certificate: turned away, counted, and no pipe.
      const before = listener.stats.negotiateFailed;
      await assert.rejects(dial(track(new Req0()), url, { "tls-ca-file": certs.ca.certFile }), NngError);
      await until(() => listener.stats.negotiateFailed === before + 1, "refusal counted");
      assert.equal(rep.pipes.length, 1);
    });

    test("a dialer refuses a server of another CA or name with ECRYPTO; tls-authmode none lets it in", async () => {
      const rep = track(new Rep0());
      const url = await serve(rep, { "tls-cert-key-file": certs.otherServer.bundleFile });
      await expectCode(dial(track(new Req0()), url, { "tls-ca-file": certs.ca.certFile }), "ECRYPTO");
      const good = track(new Rep0());
      const goodUrl = await serve(good, { "tls-cert-key-file": certs.server.bundleFile });
      await expectCode(dial(track(new Req0()), goodUrl, { "tls-ca-file": certs.ca.certFile, "tls-server-name": "example.org" }), "ECRYPTO");
      const named = track(new Req0());
      await dial(named, goodUrl, { "tls-ca-file": certs.ca.certFile, "tls-server-name": "localhost" });
      assert.equal(named.pipes[0]!.getOption("tls-verified"), true);
      const careless = track(new Req0());
      await dial(careless, url, { "tls-authmode": TLS_AUTH_MODE.NONE });
      assert.equal(careless.pipes[0]!.getOption("tls-verified"), false);
      assert.equal(careless.pipes[0]!.getOption("tls-peer-cn"), "localhost");
    });

    test("tls-config passes Node's SecureContextOptions (PEM text, no files)", async () => {
      const pull = track(new Pull0());
      const url = await serve(pull, { "tls-config": { cert: certs.server.cert, key: certs.server.key } });
      const push = track(new Push0());
      await dial(push, url, { "tls-config": { ca: certs.ca.cert } });
      await push.send("pem");
      assert.equal((await pull.recv({ timeout: 5_000 })).text(), "pem");
      assert.equal(push.pipes[0]!.getOption("tls-verified"), true);
    });

    test("option checks and socket-level inheritance as tls+tcp: write-only, files read when set", async () => {
      const s = track(new Req0());
      const d = s.createDialer("wss://127.0.0.1:1/x");
      assert.throws(() => d.setOption("tls-ca-file", `${certs.dir}/missing.pem`), { code: "ENOENT" });
      assert.throws(() => d.setOption("tls-cert-key-file", certs.server.certFile), { code: "ECRYPTO" });
      assert.throws(() => d.setOption("tls-config", { ca: "garbage" }), { code: "ECRYPTO" });
      assert.throws(() => d.setOption("tls-authmode", 3), { code: "EINVAL" });
      assert.throws(() => d.setOption("tls-peer-cn", "x"), { code: "EREADONLY" });
      d.setOption("tls-ca-file", certs.ca.certFile);
      assert.throws(() => d.getOption("tls-ca-file"), { code: "EWRITEONLY" });
      assert.throws(() => d.getOption("tls-authmode"), { code: "EWRITEONLY" });

      const rep = track(new Rep0());
      rep.setOption("tls-cert-key-file", certs.server.bundleFile);
      const url = await listenUrl(rep, "wss://127.0.0.1:0/inherit");
      const req = track(new Req0());
      req.setOption("tls-ca-file", certs.ca.certFile);
      assert.throws(() => req.getOption("tls-ca-file"), { code: "EWRITEONLY" });
      await req.dial(url);
      assert.equal(req.pipes[0]!.getOption("tls-verified"), true);
      // A listener with neither tls-cert-key-file nor tls-config cannot start.
      await expectCode(track(new Rep0()).listen("wss://127.0.0.1:0/none"), "EINVAL");
    });
  });
});
