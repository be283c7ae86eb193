// ws:// and wss:// against libnng's nngcat, both directions: req/rep, push/pull, large messages
// (libnng's 64 KiB fragments), subprotocol refusal on each side, and wss certificates both ways.
import assert from "node:assert/strict";
import { writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { NngError, Pub0, Pull0, Push0, Rep0, Req0, Sub0, type Socket, TLS_AUTH_MODE } from "../../src/index.js";
import { freePort, haveLibnng, killAllChildren, runNngcat, spawnNngcat } from "../helpers/libnng.js";
import { makeTestCerts, type TestCerts } from "../helpers/certs.js";
import { rawClient } from "../helpers/ws-raw.js";

/** Dials until the nngcat listener is up (it prints nothing when ready). */
async function dialRetry(sock: Socket, url: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      await sock.dial(url);
      return;
    } catch (e) {
      if (!(e instanceof NngError) || e.code !== "ECONNREFUSED" || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function waitUntilUp(port: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      const c = await rawClient(port, "/", undefined);
      c.sock.destroy();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`nothing listening on ${port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe("interop ws/wss with libnng", { skip: !haveLibnng && "libnng not installed", timeout: 90_000 }, () => {
  let certs: TestCerts;
  let bigFile: string;
  const big = Buffer.alloc(300_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;

  before(() => {
    certs = makeTestCerts();
    bigFile = join(tmpdir(), `nngts-ws-big-${process.pid}.bin`);
    writeFileSync(bigFile, big);
  });
  after(async () => {
    await killAllChildren();
    certs.cleanup();
    rmSync(bigFile, { force: true });
  });

  for (const scheme of ["ws", "wss"] as const) {
    const secure = scheme === "wss";
    // nngcat flags: a listener shows its certificate, a dialer trusts it.
    const catListenTls = (): string[] => (secure ? ["--cert", certs.server.certFile, "--key", certs.server.keyFile] : []);
    const catDialTls = (): string[] => (secure ? ["--cacert", certs.ca.certFile] : []);
    const trust = (s: Socket) => secure && s.setOption("tls-ca-file", certs.ca.certFile);
    const identity = (s: Socket) => secure && s.setOption("tls-cert-key-file", certs.server.bundleFile);

    test(`${scheme}: nngts req dials -> nngcat rep listening`, async () => {
      const port = await freePort();
      const url = `${scheme}://127.0.0.1:${port}/rpc`;
      const cat = spawnNngcat(["--rep0", "--listen", url, ...catListenTls(), "--data", "pong", "--count", "2", "--quoted"]);
      const req = new Req0();
      try {
        trust(req);
        await dialRetry(req, url);
        for (const body of ["ping 1", "ping 2"]) {
          await req.send(body);
          assert.equal((await req.recv({ timeout: 5_000 })).text(), "pong");
        }
        assert.equal((await cat.waitForBytes(18, 5_000)).toString(), '"ping 1"\n"ping 2"\n');
      } finally {
        await req.close();
        await cat.kill();
      }
    });

    test(`${scheme}: nngcat req dials -> nngts rep listening`, async () => {
      const rep = new Rep0();
      try {
        identity(rep);
        const l = await rep.listen(`${scheme}://127.0.0.1:0/rpc`);
        const done = runNngcat(["--req0", "--dial", l.getOption("url") as string, ...catDialTls(), "--data", "hello", "--quoted"]);
        const m = await rep.recv({ timeout: 5_000 });
        assert.equal(m.text(), "hello");
        await rep.send("world");
        const r = await done;
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout.toString(), '"world"\n');
      } finally {
        await rep.close();
      }
    });

    test(`${scheme}: nngts push -> nngcat pull, a 300 kB message in our 64 KiB fragments`, async () => {
      const port = await freePort();
      const url = `${scheme}://127.0.0.1:${port}/pipe`;
      const cat = spawnNngcat(["--pull0", "--listen", url, ...catListenTls(), "--raw"]);
      const push = new Push0();
      try {
        trust(push);
        await dialRetry(push, url);
        await push.send("small");
        await push.send(big);
        const got = await cat.waitForBytes(5 + big.length, 10_000);
        assert.equal(got.subarray(0, 5).toString(), "small");
        assert.ok(got.subarray(5).equals(big));
      } finally {
        await push.close();
        await cat.kill();
      }
    });

    test(`${scheme}: nngcat push (300 kB, 64 KiB frames) -> nngts pull listening`, async () => {
      const pull = new Pull0();
      try {
        identity(pull);
        const l = await pull.listen(`${scheme}://127.0.0.1:0/pipe`);
        const cat = spawnNngcat(["--push0", "--dial", l.getOption("url") as string, ...catDialTls(), "--file", bigFile]);
        const m = await pull.recv({ timeout: 10_000 });
        assert.ok(Buffer.from(m.body).equals(big));
        await cat.kill();
      } finally {
        await pull.close();
      }
    });
  }

  test("a libnng ws listener refuses a wrong or missing subprotocol (HTTP 400); nngts dialer sees EPROTO", async () => {
    const port = await freePort();
    const url = `ws://127.0.0.1:${port}/only-rep`;
    const cat = spawnNngcat(["--rep0", "--listen", url, "--data", "x"]);
    const sub = new Sub0();
    try {
      await waitUntilUp(port);
      const wrong = await rawClient(port, "/only-rep", "pub.sp.nanomsg.org");
      assert.equal(wrong.status, 400);
      wrong.sock.destroy();
      const none = await rawClient(port, "/only-rep", undefined);
      assert.equal(none.status, 400);
      none.sock.destroy();
      const right = await rawClient(port, "/only-rep", "rep.sp.nanomsg.org");
      assert.equal(right.status, 101);
      right.sock.destroy();
      // A sub dialer offers pub.sp.nanomsg.org to a rep listener.
      await assert.rejects(sub.dial(url), (e: unknown) => e instanceof NngError && e.code === "EPROTO");
    } finally {
      await sub.close();
      await cat.kill();
    }
  });

  test("an nngts ws listener refuses libnng's dialer offering the wrong subprotocol", async () => {
    const pub = new Pub0();
    try {
      const l = await pub.listen("ws://127.0.0.1:0/only-pub");
      // nngcat's req dialer offers rep.sp.nanomsg.org; the pub listener wants pub.sp.nanomsg.org.
      const r = await runNngcat(["--req0", "--dial", l.getOption("url") as string, "--data", "x"], { timeoutMs: 10_000 });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /protocol error/i);
      assert.equal(l.stats.accept, 0);
      assert.ok(l.stats.negotiateFailed >= 1);
    } finally {
      await pub.close();
    }
  });

  // wss uses tls+tcp's TLS code: the same pipe options and error codes against libnng.
  test("wss client certificates: nngts requires one; nngcat's --cert passes (tls-peer-cn, tls-peer-alt-names), none does not", async () => {
    const rep = new Rep0();
    try {
      const l = rep.createListener("wss://127.0.0.1:0/auth");
      l.setOption("tls-cert-key-file", certs.server.bundleFile);
      l.setOption("tls-ca-file", certs.ca.certFile);
      l.setOption("tls-authmode", TLS_AUTH_MODE.REQUIRED);
      await l.start();
      const url = l.getOption("url") as string;
      const clientCert = ["--cert", certs.client.certFile, "--key", certs.client.keyFile, "--cacert", certs.ca.certFile];
      const done = runNngcat(["--req0", "--dial", url, ...clientCert, "--data", "hello", "--quoted", "--recv-timeout", "5"]);
      const m = await rep.recv({ timeout: 5_000 });
      assert.equal(m.text(), "hello");
      const pipe = rep.getPipe(m.pipe)!;
      assert.equal(pipe.getOption("tls-verified"), true);
      assert.equal(pipe.getOption("tls-peer-cn"), "nngts-client");
      assert.deepEqual(pipe.getOption("tls-peer-alt-names"), ["nngts-client"]);
      await rep.send("world");
      const r = await done;
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString(), '"world"\n');

      const failed = l.stats.negotiateFailed;
      const noCert = await runNngcat(["--req0", "--dial", url, "--cacert", certs.ca.certFile, "--data", "x", "--recv-timeout", "2"], { timeoutMs: 10_000 });
      assert.notEqual(noCert.code, 0);
      for (const end = Date.now() + 3_000; l.stats.negotiateFailed === failed && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
      assert.equal(l.stats.negotiateFailed, failed + 1);
      assert.equal(l.stats.accept, 1);
    } finally {
      await rep.close();
    }
  });

  test("nngts refuses nngcat's wss server of another CA with ECRYPTO (as over tls+tcp); tls-authmode none gets in", async () => {
    const port = await freePort();
    const url = `wss://127.0.0.1:${port}/ca`;
    const cat = spawnNngcat(["--rep0", "--listen", url, "--cert", certs.otherServer.certFile, "--key", certs.otherServer.keyFile, "--data", "pong", "--quoted"]);
    const bad = new Req0();
    const careless = new Req0();
    try {
      bad.setOption("tls-ca-file", certs.ca.certFile);
      await assert.rejects(dialRetry(bad, url), (e: unknown) => e instanceof NngError && e.code === "ECRYPTO");
      careless.setOption("tls-authmode", TLS_AUTH_MODE.NONE);
      await dialRetry(careless, url);
      const pipe = careless.pipes[0]!;
      assert.equal(pipe.getOption("tls-verified"), false);
      assert.equal(pipe.getOption("tls-peer-cn"), "localhost");
      await careless.send("ping");
      assert.equal((await careless.recv({ timeout: 5_000 })).text(), "pong");
    } finally {
      await Promise.all([bad.close(), careless.close()]);
      await cat.kill();
    }
  });

  test("nngcat refuses an nngts wss server it cannot verify (libnng: Cryptographic error)", async () => {
    const rep = new Rep0();
    try {
      const l = rep.createListener("wss://127.0.0.1:0/other");
      l.setOption("tls-cert-key-file", certs.otherServer.bundleFile);
      await l.start();
      const r = await runNngcat(["--req0", "--dial", l.getOption("url") as string, "--cacert", certs.ca.certFile, "--data", "x"], { timeoutMs: 10_000 });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /Cryptographic error/);
      assert.equal(rep.pipes.length, 0);
    } finally {
      await rep.close();
    }
  });
});
