// The stream connection under tcp, ipc, tls and socket://: read flow control against the byte stream.
import assert from "node:assert/strict";
import { Duplex } from "node:stream";
import { after, describe, test } from "node:test";
import { adoptStream, Pull0 } from "../../src/index.js";
import { spHeader, writeFramePrefix } from "../../src/transport/framing.js";
import { turn, until } from "../helpers/wait.js";

/** `n` one-byte frames in one chunk, carrying `first`, `first + 1`, ... (mod 256). */
function frames(n: number, first: number): Uint8Array {
  const out = new Uint8Array(n * 9);
  for (let i = 0; i < n; i++) {
    writeFramePrefix(out, i * 9, 1, false);
    out[i * 9 + 8] = (first + i) & 0xff;
  }
  return out;
}

describe("stream connection", { timeout: 30_000 }, () => {
  const pull = new Pull0();
  after(() => pull.close());

  test("a consumer that keeps up never pauses the stream; one that stops pauses it one chunk later", async () => {
    const PER_CHUNK = 100;
    pull.setOption("recv-buffer", 8);
    const l = await pull.listen("socket://");
    // The peer's side is written straight into the stream's readable end; what the pull writes is dropped.
    const stream = new Duplex({ read() {}, write: (_c, _e, cb) => cb() });
    adoptStream(l, stream);
    stream.push(spHeader(0x50));
    await until(() => pull.pipes.length === 1, 3_000, "pipe");
    let pauses = 0;
    const pause = stream.pause.bind(stream);
    stream.pause = () => {
      pauses++;
      return pause();
    };

    const got: number[] = [];
    const take = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) got.push((await pull.recv({ timeout: 3_000 })).body[0]!);
    };
    // Every chunk outgrows recv-buffer, but the consumer empties the queue before the next one arrives.
    for (let c = 0; c < 3; c++) {
      const taken = take(PER_CHUNK);
      stream.push(frames(PER_CHUNK, c * PER_CHUNK));
      await taken;
      await turn();
    }
    assert.equal(pauses, 0, "the stream was paused although every chunk was taken before the next");

    // Nobody receives: the first chunk stops at recv-buffer and is held; the next pauses the stream.
    stream.push(frames(PER_CHUNK, 300));
    await turn();
    assert.equal(pauses, 0);
    stream.push(frames(PER_CHUNK, 400));
    await turn();
    assert.equal(pauses, 1);
    assert.ok(stream.isPaused());

    await take(2 * PER_CHUNK);
    assert.deepEqual(got, Array.from({ length: 5 * PER_CHUNK }, (_, i) => i & 0xff));
    await until(() => !stream.isPaused(), 3_000, "stream resumed");
  });
});
