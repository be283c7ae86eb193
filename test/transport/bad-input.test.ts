// Hostile or broken byte streams against an nngts listener: each closes only its own connection,
// shows in the socket's statistics, and a legitimate peer connected at the same time keeps working.
import assert from "node:assert/strict";
import * as net from "node:net";
import { after, before, describe, test } from "node:test";
import { type Listener, type LogRecord, Pull0, Push0, type Pipe, setLogger } from "../../src/index.js";
import { spHeader, writeFramePrefix } from "../../src/transport/framing.js";
import { tmpIpcUrl } from "../helpers/libnng.js";
import { sleep, within } from "../helpers/wait.js";

const MAX = 1024;

interface RawClient {
  sock: net.Socket;
  /** bytes received from the listener */
  received(): Buffer;
  closed: Promise<void>;
}

function rawConnect(target: net.NetConnectOpts): Promise<RawClient> {
  return within(
    new Promise<RawClient>((resolve, reject) => {
      const sock = net.connect(target);
      const chunks: Buffer[] = [];
      sock.on("data", (b: Buffer) => chunks.push(b));
      sock.on("error", () => {}); // a reset is one way of being closed
      const closed = new Promise<void>((r) => sock.once("close", () => r()));
      sock.once("connect", () => resolve({ sock, received: () => Buffer.concat(chunks), closed }));
      sock.once("error", reject);
    }),
    3_000,
    "raw connect",
  );
}

function frame(payload: Uint8Array, ipc: boolean): Uint8Array {
  const out = new Uint8Array((ipc ? 9 : 8) + payload.length);
  out.set(payload, writeFramePrefix(out, 0, payload.length, ipc));
  return out;
}

for (const transport of ["tcp", "ipc"] as const) {
  const ipc = transport === "ipc";

  describe(`bad input on ${transport}`, { timeout: 30_000 }, () => {
    const pull = new Pull0();
    const push = new Push0();
    let listener: Listener;
    let target: net.NetConnectOpts;
    let legit: Pipe | undefined;
    const added: Pipe[] = [];
    const removed: Pipe[] = [];
    let addPre = 0;

    before(async () => {
      pull.setOption("recv-size-max", MAX);
      pull.setOption("recv-buffer", 4);
      pull.pipeNotify("add-pre", () => addPre++);
      pull.pipeNotify("add-post", (p) => added.push(p));
      pull.pipeNotify("rem-post", (p) => removed.push(p));
      listener = await within(pull.listen(ipc ? tmpIpcUrl("bad") : "tcp://127.0.0.1:0"), 5_000, "listen");
      const url = listener.getOption("url") as string;
      target = ipc ? { path: url.slice("ipc://".length) } : { host: "127.0.0.1", port: listener.getOption("tcp-bound-port") as number };
      await within(push.dial(url), 5_000, "dial");
      await legitStillServed("first");
      legit = added[0];
      assert.ok(legit);
    });

    after(async () => {
      await push.close();
      await pull.close();
    });

    /** The legitimate push still reaches the pull over its own pipe. */
    async function legitStillServed(tag: string): Promise<void> {
      await push.send(`legit-${tag}`, { timeout: 3_000 });
      const m = await pull.recv({ timeout: 3_000 });
      assert.equal(m.text(), `legit-${tag}`);
      if (legit) assert.equal(m.pipe, legit.id, "came over the legitimate pipe");
      assert.ok(legit === undefined || !legit.closed, "the legitimate pipe is still open");
    }

    /** Waits until a pipe other than the legitimate one was removed, and returns it. */
    async function attackerPipeRemoved(before: number): Promise<Pipe> {
      for (let i = 0; i < 300 && removed.length === before; i++) await sleep(10);
      assert.equal(removed.length, before + 1, "the attacker's pipe was removed");
      const p = removed[before]!;
      assert.notEqual(p, legit);
      return p;
    }

    test("(a) a bad SP header closes that connection only (accept-failed)", async () => {
      const c = await rawConnect(target);
      const failedBefore = pull.stats().counters["accept-failed"] ?? 0;
      c.sock.write(Buffer.from("GET / HTTP/1.1\r\n\r\n"));
      await within(c.closed, 3_000, "client sees close");
      // the listener had sent its own header: 00 53 50 00 <pull 0x51> 00 00
      assert.equal(c.received().subarray(0, 8).toString("hex"), Buffer.from(spHeader(0x51)).toString("hex"));
      assert.equal(pull.stats().counters["accept-failed"], failedBefore + 1);
      assert.equal(pull.stats().pipes, 1);
      await legitStillServed("a");
    });

    test("(b) a valid header with the wrong peer protocol is rejected (stats().reject)", async () => {
      const rejectBefore = pull.stats().reject;
      const addPreBefore = addPre;
      const c = await rawConnect(target);
      c.sock.write(spHeader(0x21)); // a sub talking to a pull
      await within(c.closed, 3_000, "client sees close");
      assert.equal(pull.stats().reject, rejectBefore + 1);
      assert.equal(pull.stats().counters["reject"], rejectBefore + 1);
      assert.equal(addPre, addPreBefore, "a mismatched peer never reaches add-pre");
      assert.equal(pull.stats().pipes, 1);
      await legitStillServed("b");
    });

    test("(c) a frame longer than recv-size-max closes the pipe before the payload arrives", async () => {
      const removedBefore = removed.length;
      const c = await rawConnect(target);
      c.sock.write(spHeader(0x50));
      // the prefix alone claims MAX + 1 bytes: no payload is ever sent
      const prefix = new Uint8Array(ipc ? 9 : 8);
      writeFramePrefix(prefix, 0, MAX + 1, ipc);
      c.sock.write(prefix);
      await within(c.closed, 3_000, "client sees close");
      const p = await attackerPipeRemoved(removedBefore);
      assert.equal(p.stats.rxMsgs, 0);
      assert.equal(pull.stats().pipes, 1);
      await legitStillServed("c");
      // a frame of exactly recv-size-max is fine
      const ok = await rawConnect(target);
      ok.sock.write(spHeader(0x50));
      ok.sock.write(frame(new Uint8Array(MAX).fill(7), ipc));
      const m = await pull.recv({ timeout: 3_000 });
      assert.equal(m.length, MAX);
      ok.sock.destroy();
      await within(ok.closed, 3_000, "close");
      await attackerPipeRemoved(removedBefore + 1);
    });

    test("(d) a truncated frame then close removes that pipe only, nothing delivered", async () => {
      const removedBefore = removed.length;
      const c = await rawConnect(target);
      c.sock.write(spHeader(0x50));
      const f = frame(new TextEncoder().encode("never complete"), ipc);
      c.sock.write(f.subarray(0, f.length - 3));
      await sleep(50);
      c.sock.end();
      await within(c.closed, 3_000, "client sees close");
      const p = await attackerPipeRemoved(removedBefore);
      assert.equal(p.stats.rxMsgs, 0);
      await assert.rejects(pull.recv({ nonblock: true }), { code: "EAGAIN" });
      await legitStillServed("d");
    });

    if (ipc) {
      test("(e) ipc: a bad message type byte closes that pipe (EPROTO)", async () => {
        const removedBefore = removed.length;
        const c = await rawConnect(target);
        c.sock.write(spHeader(0x50));
        const f = frame(new TextEncoder().encode("typed wrong"), true);
        f[0] = 0x02;
        c.sock.write(f);
        await within(c.closed, 3_000, "client sees close");
        const p = await attackerPipeRemoved(removedBefore);
        assert.equal(p.stats.rxMsgs, 0);
        await assert.rejects(pull.recv({ nonblock: true }), { code: "EAGAIN" });
        await legitStillServed("e");
      });
    }

    test("protocol errors on established pipes are counted, logged, and show on the listener", async () => {
      const records: LogRecord[] = [];
      setLogger((r) => records.push(r), "warn");
      try {
        const before = pull.stats();
        const c = await rawConnect(target);
        c.sock.write(spHeader(0x50));
        const prefix = new Uint8Array(ipc ? 9 : 8);
        writeFramePrefix(prefix, 0, MAX + 1, ipc);
        c.sock.write(prefix);
        await within(c.closed, 3_000, "client sees close");
        for (let i = 0; i < 100 && (pull.stats().counters["rx-oversize"] ?? 0) === (before.counters["rx-oversize"] ?? 0); i++) await sleep(10);
        const after = pull.stats();
        assert.equal(after.counters["rx-oversize"], (before.counters["rx-oversize"] ?? 0) + 1);
        assert.equal(after.counters["rx-malformed"], before.counters["rx-malformed"]);
        const l = after.listenerStats.find((s) => s.id === listener.id)!;
        const lBefore = before.listenerStats.find((s) => s.id === listener.id)!;
        assert.equal(l.accept, lBefore.accept + 1);
        assert.equal(l.disconnect, lBefore.disconnect + 1);
        const rec = records.find((r) => r.msgid === "NNG-RCVMAX");
        assert.ok(rec, "the oversized frame is logged");
        assert.equal(rec.level, "warn");
        assert.equal(rec.socket, pull.id);
        assert.match(rec.message, new RegExp(`${MAX + 1} bytes`));
        if (ipc) {
          const m = await rawConnect(target);
          m.sock.write(spHeader(0x50));
          m.sock.write(Uint8Array.of(0x07, 0, 0, 0, 0, 0, 0, 0, 1, 0x41));
          await within(m.closed, 3_000, "client sees close");
          for (let i = 0; i < 100 && pull.stats().counters["rx-malformed"] === before.counters["rx-malformed"]; i++) await sleep(10);
          assert.equal(pull.stats().counters["rx-malformed"], (before.counters["rx-malformed"] ?? 0) + 1);
          assert.ok(records.some((r) => r.msgid === "NNG-PROTO"));
        }
        await legitStillServed("counted");
      } finally {
        setLogger(null);
      }
    });

    test("a half-open client that never sends its header is not a pipe", async () => {
      const addPreBefore = addPre;
      const silent = await rawConnect(target);
      const partial = await rawConnect(target);
      partial.sock.write(spHeader(0x50).subarray(0, 5));
      await sleep(200); // far below the negotiation timeout: just check no pipe appeared
      assert.equal(addPre, addPreBefore);
      assert.equal(pull.stats().pipes, 1);
      assert.equal(pull.pipes.length, 1);
      await legitStillServed("half-open");
      silent.sock.destroy();
      partial.sock.destroy();
      await within(Promise.all([silent.closed, partial.closed]), 3_000, "close");
    });

    test("closing the listener drops connections still negotiating", async () => {
      const silent = await rawConnect(target);
      await sleep(20);
      await within(pull.close(), 3_000, "socket close");
      await within(silent.closed, 3_000, "the half-open client sees close");
    });
  });
}
