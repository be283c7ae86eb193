// The browser's ws dialer (src/transport/ws-browser.ts) run under Node with the `ws` package
// standing in for the global WebSocket. (The real browser is test/browser/browser.test.ts.)
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import WebSocket from "ws";
import { NngError, Pub0, Pull0, Push0, registerTransport, Rep0, Req0, type Socket } from "../../src/index.js";
import { browserWsTransport } from "../../src/transport/ws-browser.js";
import { frame, OP, rawServer } from "../helpers/ws-raw.js";

// "bws://" reaches the browser dialer; ws:// stays Node's (for the listeners here).
const bws = (url: string): string => url.replace(/^ws:/, "bws:");

async function listenUrl(sock: Socket, url: string): Promise<string> {
  return (await sock.listen(url)).getOption("url") as string;
}

function pipeRemoved(sock: Socket): Promise<void> {
  return new Promise((r) => {
    const stop = sock.pipeNotify("rem-post", () => {
      stop();
      r();
    });
  });
}

describe("browser ws dialer (global WebSocket)", { timeout: 30_000 }, () => {
  const g = globalThis as { WebSocket?: unknown };
  const saved = g.WebSocket;
  before(() => {
    g.WebSocket = WebSocket;
    registerTransport({ ...browserWsTransport, schemes: ["bws"] });
  });
  after(() => {
    g.WebSocket = saved;
  });

  test("req/rep with an nngts listener, large messages included", async () => {
    const rep = new Rep0();
    const req = new Req0();
    try {
      const url = await listenUrl(rep, "ws://127.0.0.1:0/b");
      await req.dial(bws(url));
      const big = new Uint8Array(300_000).map((_, i) => i % 251);
      for (const body of [new TextEncoder().encode("hi"), big]) {
        await req.send(body);
        const m = await rep.recv({ timeout: 5_000 });
        await rep.send(m.body);
        assert.ok(Buffer.from((await req.recv({ timeout: 5_000 })).body).equals(body));
      }
    } finally {
      await Promise.all([req.close(), rep.close()]);
    }
  });

  test("a listener refusing the subprotocol fails the dial (browsers cannot tell why: ECONNREFUSED)", async () => {
    const pub = new Pub0();
    const req = new Req0();
    try {
      const url = await listenUrl(pub, "ws://127.0.0.1:0/p");
      await assert.rejects(req.dial(bws(url)), (e: unknown) => e instanceof NngError && e.code === "ECONNREFUSED");
    } finally {
      await Promise.all([req.close(), pub.close()]);
    }
  });

  test("TEXT from the server, or a message over recv-size-max, closes the pipe", async () => {
    const raw = await rawServer("pull.sp.nanomsg.org");
    const push = new Push0();
    try {
      push.setOption("recv-size-max", 100);
      push.setOption("reconnect-time-min", 60_000);
      await push.dial(bws(`ws://127.0.0.1:${raw.port}/`));
      let gone = pipeRemoved(push);
      raw.peers[0]!.sock.write(frame(OP.TEXT, Buffer.from("text"), { mask: false }));
      await gone;
      assert.equal(push.stats().counters["rx-malformed"], 1);

      const push2 = new Push0();
      push2.setOption("recv-size-max", 100);
      await push2.dial(bws(`ws://127.0.0.1:${raw.port}/`));
      gone = pipeRemoved(push2);
      raw.peers[1]!.sock.write(frame(OP.BINARY, new Uint8Array(101), { mask: false }));
      await gone;
      assert.equal(push2.stats().counters["rx-oversize"], 1);
      await push2.close();
    } finally {
      await push.close();
      raw.server.close();
      for (const p of raw.peers) p.sock.destroy();
    }
  });

  test("cannot listen", async () => {
    const pull = new Pull0();
    await assert.rejects(pull.listen("bws://127.0.0.1:0/x"), (e: unknown) => e instanceof NngError && e.code === "ENOTSUP");
    await pull.close();
  });
});
