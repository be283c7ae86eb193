// tls+tcp against libnng's nngcat (mbedTLS), both directions: req/rep, push/pull, verification, client certs.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Dialer, NngError, Pull0, Push0, Rep0, Req0, type Socket, TLS_AUTH_MODE } from "../../src/index.js";
import { makeTestCerts, type TestCerts } from "../helpers/certs.js";
import { freePort, haveLibnng, killAllChildren, runNngcat, spawnNngcat } from "../helpers/libnng.js";
import { sleep, within } from "../helpers/wait.js";

let certs: TestCerts;
const N = 5;
const expected = Array.from({ length: N }, (_, i) => `msg-${i}`);

/** nngcat's TLS flags for a server certificate (cert and key in separate files, as nngcat takes them). */
const serverCert = () => ["--cert", certs.server.certFile, "--key", certs.server.keyFile];

async function tlsListen(sock: Socket, options: Record<string, string | number> = {}): Promise<string> {
  const l = sock.createListener("tls+tcp://127.0.0.1:0");
  l.setOption("tls-cert-key-file", certs.server.bundleFile);
  for (const [k, v] of Object.entries(options)) l.setOption(k, v);
  await within(l.start(), 5_000, "listen");
  return l.getOption("url") as string;
}

/** Dials until nngcat's listener is up (it prints nothing when ready). */
async function dialRetry(sock: Socket, url: string, options: Record<string, string | number>): Promise<Dialer> {
  const end = Date.now() + 5_000;
  for (;;) {
    const d = sock.createDialer(url);
    for (const [k, v] of Object.entries(options)) d.setOption(k, v);
    try {
      await d.start();
      return d;
    } catch (e) {
      if (!(e instanceof NngError) || e.code !== "ECONNREFUSED" || Date.now() > end) throw e;
      await sleep(50);
    }
  }
}

describe("interop tls+tcp with libnng (nngcat)", { skip: !haveLibnng && "libnng not installed", timeout: 90_000 }, () => {
  before(() => {
    certs = makeTestCerts();
  });
  after(async () => {
    await killAllChildren();
    certs.cleanup();
  });

  test("nngcat req dials (verifying with --cacert) -> nngts rep listening", { timeout: 15_000 }, async () => {
    const rep = new Rep0();
    try {
      const url = await tlsListen(rep);
      const cat = runNngcat(["--req0", "--dial", url, "--cacert", certs.ca.certFile, "--data", "ping", "--raw", "--recv-timeout", "5"]);
      const m = await within(rep.recv(), 5_000, "request from nngcat");
      assert.equal(m.text(), "ping");
      assert.equal(rep.pipes[0]!.getOption("tls-verified"), false); // nngts listener asks for no client cert
      await rep.send("pong");
      const r = await cat;
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString(), "pong");
    } finally {
      await rep.close();
    }
  });

  test("nngts req dials (verifying) -> nngcat rep listening", { timeout: 15_000 }, async () => {
    const port = await freePort();
    const url = `tls+tcp://127.0.0.1:${port}`;
    const cat = spawnNngcat(["--rep0", "--listen", url, ...serverCert(), "--data", "pong", "--raw"]);
    const req = new Req0();
    try {
      await within(dialRetry(req, url, { "tls-ca-file": certs.ca.certFile }), 8_000, "dial nngcat");
      const pipe = req.pipes[0]!;
      assert.equal(pipe.getOption("tls-verified"), true);
      assert.equal(pipe.getOption("tls-peer-cn"), "localhost");
      for (let i = 0; i < 3; i++) {
        await req.send(`ping${i}`, { timeout: 5_000 });
        assert.equal((await req.recv({ timeout: 5_000 })).text(), "pong");
      }
      await within(cat.waitForBytes("ping0ping1ping2".length), 5_000, "nngcat printed the requests");
      assert.equal(cat.stdout().toString(), "ping0ping1ping2");
    } finally {
      await req.close();
      await cat.kill();
    }
  });

  test(`nngcat push dials --count ${N} -> nngts pull listening`, { timeout: 15_000 }, async () => {
    const pull = new Pull0();
    try {
      pull.setOption("recv-buffer", 16);
      const url = await tlsListen(pull);
      const got: string[] = [];
      const cats = expected.map((body) => runNngcat(["--push0", "--dial", url, "--cacert", certs.ca.certFile, "--data", body]));
      for (let i = 0; i < N; i++) got.push((await pull.recv({ timeout: 8_000 })).text());
      assert.deepEqual(got.sort(), [...expected].sort());
      for (const r of await Promise.all(cats)) assert.equal(r.code, 0, r.stderr);
    } finally {
      await pull.close();
    }
  });

  test(`nngts push dials -> nngcat pull listening prints ${N} messages`, { timeout: 15_000 }, async () => {
    const port = await freePort();
    const url = `tls+tcp://127.0.0.1:${port}`;
    const cat = spawnNngcat(["--pull0", "--listen", url, ...serverCert(), "--quoted"]);
    const push = new Push0();
    try {
      await within(dialRetry(push, url, { "tls-ca-file": certs.ca.certFile }), 8_000, "dial nngcat");
      for (const body of expected) await push.send(body, { timeout: 5_000 });
      const want = expected.map((b) => `"${b}"\n`).join("");
      await within(cat.waitForBytes(want.length), 5_000, "nngcat output");
      assert.equal(cat.stdout().toString(), want);
    } finally {
      await push.close();
      await cat.kill();
    }
  });

  test("nngts refuses nngcat's server when its CA is wrong (ECRYPTO); none gets through anyway", { timeout: 15_000 }, async () => {
    const port = await freePort();
    const url = `tls+tcp://127.0.0.1:${port}`;
    const cat = spawnNngcat(["--rep0", "--listen", url, ...serverCert(), "--data", "pong", "--raw"]);
    try {
      const bad = new Req0();
      await assert.rejects(within(dialRetry(bad, url, { "tls-ca-file": certs.otherCa.certFile }), 8_000, "dial"), { code: "ECRYPTO" });
      await bad.close();
      const insecure = new Req0();
      await within(dialRetry(insecure, url, { "tls-authmode": TLS_AUTH_MODE.NONE }), 8_000, "dial none");
      assert.equal(insecure.pipes[0]!.getOption("tls-verified"), false);
      await insecure.send("x", { timeout: 5_000 });
      assert.equal((await insecure.recv({ timeout: 5_000 })).text(), "pong");
      await insecure.close();
    } finally {
      await cat.kill();
    }
  });

  test("nngcat refuses an nngts server it cannot verify (libnng: Cryptographic error)", { timeout: 15_000 }, async () => {
    const rep = new Rep0();
    try {
      const l = rep.createListener("tls+tcp://127.0.0.1:0");
      l.setOption("tls-cert-key-file", certs.otherServer.bundleFile);
      await l.start();
      const r = await runNngcat(["--req0", "--dial", l.getOption("url") as string, "--cacert", certs.ca.certFile, "--data", "x"]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /Cryptographic error/);
      assert.equal(rep.pipes.length, 0);
    } finally {
      await rep.close();
    }
  });

  test("client certificates: nngts requires one; nngcat's --cert passes, a wrong CA does not", { timeout: 15_000 }, async () => {
    const rep = new Rep0();
    const strict = new Rep0();
    try {
      const url = await tlsListen(rep, { "tls-authmode": TLS_AUTH_MODE.REQUIRED, "tls-ca-file": certs.ca.certFile });
      const clientCert = ["--cert", certs.client.certFile, "--key", certs.client.keyFile, "--cacert", certs.ca.certFile];
      const cat = runNngcat(["--req0", "--dial", url, ...clientCert, "--data", "hello", "--raw", "--recv-timeout", "5"]);
      assert.equal((await within(rep.recv(), 5_000, "request")).text(), "hello");
      const pipe = rep.pipes[0]!;
      assert.equal(pipe.getOption("tls-verified"), true);
      assert.equal(pipe.getOption("tls-peer-cn"), "nngts-client");
      assert.deepEqual(pipe.getOption("tls-peer-alt-names"), ["nngts-client"]);
      await rep.send("world");
      const r = await cat;
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString(), "world");

      // A listener trusting another CA turns the same client away.
      const strictUrl = await tlsListen(strict, { "tls-authmode": TLS_AUTH_MODE.REQUIRED, "tls-ca-file": certs.otherCa.certFile });
      const refused = await runNngcat(["--req0", "--dial", strictUrl, ...clientCert, "--data", "hello", "--recv-timeout", "2"]);
      assert.notEqual(refused.code, 0);
      // And one with no certificate at all.
      const noCert = await runNngcat(["--req0", "--dial", url, "--cacert", certs.ca.certFile, "--data", "hello", "--recv-timeout", "2"]);
      assert.notEqual(noCert.code, 0);
      assert.equal(strict.pipes.length, 0);
    } finally {
      await rep.close();
      await strict.close();
    }
  });
});
