// socket:// against libnng: connections made outside NNG, adopted by an nngts socket:// listener,
// carry NNG's tcp protocol to nngcat in both directions (libnng 1.5 has no socket:// of its own).
import assert from "node:assert/strict";
import * as net from "node:net";
import { after, describe, test } from "node:test";
import { adoptStream, Pull0, Push0, Rep0, Req0 } from "../../src/index.js";
import { freePort, haveLibnng, killAllChildren, runNngcat, spawnNngcat } from "../helpers/libnng.js";
import { sleep, within } from "../helpers/wait.js";

/** Connects a plain tcp socket to nngcat's listener, retrying until it is up. */
async function connectTo(port: number): Promise<net.Socket> {
  const end = Date.now() + 5_000;
  for (;;) {
    const s = net.connect(port, "127.0.0.1");
    const ok = await new Promise<boolean>((resolve) => {
      s.once("connect", () => resolve(true));
      s.once("error", () => resolve(false));
    });
    if (ok) return s;
    s.destroy();
    if (Date.now() > end) throw new Error(`nngcat never listened on ${port}`);
    await sleep(50);
  }
}

describe("interop socket:// with libnng (nngcat)", { skip: !haveLibnng && "libnng not installed", timeout: 60_000 }, () => {
  after(() => killAllChildren());

  test("nngcat req dials a plain net server; the accepted socket is adopted by an nngts rep", { timeout: 15_000 }, async () => {
    const rep = new Rep0();
    const srv = net.createServer();
    try {
      const l = await rep.listen("socket://");
      srv.on("connection", (s) => adoptStream(l, s));
      await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
      const port = (srv.address() as net.AddressInfo).port;
      const cat = runNngcat(["--req0", "--dial", `tcp://127.0.0.1:${port}`, "--data", "ping", "--raw", "--recv-timeout", "5"]);
      assert.equal((await within(rep.recv(), 5_000, "request")).text(), "ping");
      await rep.send("pong");
      const r = await cat;
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString(), "pong");
    } finally {
      srv.close();
      await rep.close();
    }
  });

  test("an nngts req adopts a socket it connected itself to nngcat's rep", { timeout: 15_000 }, async () => {
    const port = await freePort();
    const cat = spawnNngcat(["--rep0", "--listen", `tcp://127.0.0.1:${port}`, "--data", "pong", "--raw"]);
    const req = new Req0();
    try {
      const l = await req.listen("socket://");
      adoptStream(l, await connectTo(port));
      await req.send("ping", { timeout: 5_000 });
      assert.equal((await req.recv({ timeout: 5_000 })).text(), "pong");
      await within(cat.waitForBytes(4), 5_000, "nngcat output");
      assert.equal(cat.stdout().toString(), "ping");
    } finally {
      await req.close();
      await cat.kill();
    }
  });

  test("push/pull: nngcat push dials in (adopted pull), nngts push adopts its connection to nngcat pull", { timeout: 15_000 }, async () => {
    const pull = new Pull0();
    const push = new Push0();
    const srv = net.createServer();
    const port = await freePort();
    const catPull = spawnNngcat(["--pull0", "--listen", `tcp://127.0.0.1:${port}`, "--quoted"]);
    try {
      const lp = await pull.listen("socket://");
      srv.on("connection", (s) => adoptStream(lp, s));
      await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
      const inPort = (srv.address() as net.AddressInfo).port;
      const r = await runNngcat(["--push0", "--dial", `tcp://127.0.0.1:${inPort}`, "--data", "to-nngts"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await pull.recv({ timeout: 5_000 })).text(), "to-nngts");

      const ls = await push.listen("socket://");
      adoptStream(ls, await connectTo(port));
      await push.send("to-nngcat", { timeout: 5_000 });
      await within(catPull.waitForBytes('"to-nngcat"\n'.length), 5_000, "nngcat output");
      assert.equal(catPull.stdout().toString(), '"to-nngcat"\n');
    } finally {
      srv.close();
      await pull.close();
      await push.close();
      await catPull.kill();
    }
  });
});
