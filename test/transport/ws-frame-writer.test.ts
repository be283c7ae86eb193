import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeFrame, OP_BINARY, OP_CONTINUATION } from "../../src/transport/ws-frame-writer.js";
import { FrameReader } from "../helpers/ws-raw.js";

test("frames decode to their payload: small and large, masked and not, odd offsets and lengths", () => {
  const source = new Uint8Array(200_003).map((_, i) => (i * 31 + 7) & 0xff);
  for (const masked of [false, true]) {
    for (const len of [0, 1, 125, 126, 4096, 4097, 65_535, 65_536, 70_001]) {
      const payload = source.subarray(3, 3 + len); // not word-aligned on purpose
      const reader = new FrameReader();
      for (const piece of encodeFrame(len % 2 ? OP_CONTINUATION : OP_BINARY, len !== 126, payload, masked)) reader.push(Buffer.from(piece));
      assert.equal(reader.frames.length, 1, `len ${len}`);
      const f = reader.frames[0]!;
      assert.equal(f.op, len % 2 ? OP_CONTINUATION : OP_BINARY);
      assert.equal(f.fin, len !== 126);
      assert.ok(f.payload.equals(payload), `payload of ${len} bytes, masked ${masked}`);
    }
  }
  // The caller's bytes are never modified by masking.
  assert.equal(source[3], (3 * 31 + 7) & 0xff);
});

test("client frames carry a mask bit and differing keys", () => {
  const a = encodeFrame(OP_BINARY, true, new Uint8Array(8), true)[0]!;
  const b = encodeFrame(OP_BINARY, true, new Uint8Array(8), true)[0]!;
  assert.equal(a[1]! & 0x80, 0x80);
  assert.notDeepEqual(a.subarray(2, 6), b.subarray(2, 6));
  assert.equal(encodeFrame(OP_BINARY, true, new Uint8Array(8), false)[0]![1]! & 0x80, 0);
});
