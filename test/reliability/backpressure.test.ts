// A consumer that stops reading: the sender's memory stays within its buffers (its queue, the
// connection's batch and the stream's high-water mark), checked by lengths and bytes, not time;
// once the consumer reads again every accepted message arrives, in order (push/pull), or is
// accounted for as a counted drop (pub/sub, which never blocks the publisher).
import assert from "node:assert/strict";
import type * as net from "node:net";
import { describe, test } from "node:test";
import { type Pipe, Pub0, Pull0, Push0, Sub0 } from "../../src/index.js";
import { tmpIpcUrl } from "../helpers/libnng.js";
import { sleep, until } from "./helpers.js";

const MSG = 16 * 1024;
/** What StreamConnection may hold beyond the stream's own buffer: one coalesced batch (64 KiB) and a message. */
const BATCH = 64 * 1024;

interface StreamInternals {
  sock: net.Socket;
  pendingBytes: number;
  decoder: { heldChunks: number };
}

function streamOf(pipe: Pipe): StreamInternals {
  return (pipe as unknown as { conn: StreamInternals }).conn;
}

function message(i: number): Uint8Array {
  const m = new Uint8Array(MSG);
  new DataView(m.buffer).setUint32(0, i);
  return m;
}

for (const transport of ["tcp", "ipc"] as const) {
  const addr = () => (transport === "ipc" ? tmpIpcUrl("bp") : "tcp://127.0.0.1:0");

  describe(`stopped consumer over ${transport}`, { timeout: 60_000 }, () => {
    test("push -> pull: the sender stops at EAGAIN with bounded memory, then everything arrives in order", async (t) => {
      const push = new Push0();
      const pull = new Pull0();
      try {
        push.setOption("send-buffer", 8);
        pull.setOption("recv-buffer", 4);
        const l = await pull.listen(addr());
        await push.dial(l.getOption("url") as string);
        await until(() => push.pipes.length === 1 && pull.pipes.length === 1, 3000, "pipes");
        let accepted = 0;
        for (; accepted < 20_000; accepted++) {
          try {
            await push.send(message(accepted), { nonblock: true });
          } catch (e) {
            assert.equal((e as { code: string }).code, "EAGAIN");
            // give the stream a moment: maybe the kernel takes more
            await sleep(20);
            try {
              await push.send(message(accepted), { nonblock: true });
            } catch {
              break;
            }
          }
        }
        assert.ok(accepted < 20_000, `the sender was stopped (accepted ${accepted})`);
        const tx = streamOf(push.pipes[0]!);
        const hwm = tx.sock.writableHighWaterMark;
        const held = tx.sock.writableLength + tx.pendingBytes;
        assert.ok(held <= hwm + BATCH + 2 * MSG, `sender holds ${held} bytes in user space (hwm ${hwm})`);
        t.diagnostic(`accepted ${accepted} x ${MSG} B before EAGAIN; sender user-space bytes ${held} (hwm ${hwm})`);
        const rx = streamOf(pull.pipes[0]!);
        assert.ok(rx.sock.readableLength <= rx.sock.readableHighWaterMark + BATCH, `receiver holds ${rx.sock.readableLength} unread bytes`);
        assert.ok(rx.decoder.heldChunks <= 64, `decoder holds ${rx.decoder.heldChunks} chunks`);

        for (let i = 0; i < accepted; i++) {
          const m = await pull.recv({ timeout: 5000 });
          assert.equal(new DataView(m.body.buffer, m.body.byteOffset).getUint32(0), i, "in order, none lost");
        }
        await assert.rejects(pull.recv({ nonblock: true }), { code: "EAGAIN" });
        // and the pipe is alive
        await push.send("after");
        assert.equal((await pull.recv({ timeout: 3000 })).text(), "after");
      } finally {
        await Promise.all([push.close(), pull.close()]);
      }
    });

    test("pub -> slow sub: the publisher never blocks, holds at most its queue, every message delivered or counted", async (t) => {
      const pub = new Pub0();
      const sub = new Sub0();
      try {
        sub.subscribe("");
        sub.setOption("recv-buffer", 4);
        const l = await pub.listen(addr());
        await sub.dial(l.getOption("url") as string);
        await until(() => pub.pipes.length === 1, 3000, "pipe");
        const N = 3000;
        let maxHeld = 0;
        for (let i = 0; i < N; i++) {
          await pub.send(message(i), { nonblock: true });
          const tx = streamOf(pub.pipes[0]!);
          maxHeld = Math.max(maxHeld, tx.sock.writableLength + tx.pendingBytes);
        }
        const queueBytes = 16 * MSG; // pub's per-pipe send-buffer
        assert.ok(maxHeld <= tx16(pub) + BATCH + queueBytes + 2 * MSG, `publisher held at most ${maxHeld} bytes`);
        const txDrop = pub.stats().counters["tx-drop"] ?? 0;
        assert.ok(txDrop > 0, "the publisher dropped for the slow subscriber");
        let received = 0;
        let last = -1;
        for (;;) {
          try {
            const m = await sub.recv({ timeout: 500 });
            const i = new DataView(m.body.buffer, m.body.byteOffset).getUint32(0);
            assert.ok(i > last, "order kept");
            last = i;
            received++;
          } catch {
            break;
          }
        }
        const rxDrop = sub.stats().counters["rx-drop"] ?? 0;
        t.diagnostic(`sent ${N}: delivered ${received}, pub drops ${txDrop}, sub drops ${rxDrop}; publisher max ${maxHeld} bytes`);
        assert.equal(received + txDrop + rxDrop, N, `delivered ${received} + pub drops ${txDrop} + sub drops ${rxDrop}`);
      } finally {
        await Promise.all([pub.close(), sub.close()]);
      }
    });
  });
}

function tx16(pub: Pub0): number {
  return streamOf(pub.pipes[0]!).sock.writableHighWaterMark;
}
