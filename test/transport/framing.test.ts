// Unit tests of the shared stream framing: SP header, frame prefix and the frame decoder.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { NngError } from "../../src/index.js";
import type { Message } from "../../src/index.js";
import {
  FrameDecoder,
  IPC_MSG_TYPE,
  parseSpHeader,
  SP_HEADER_LENGTH,
  spHeader,
  writeFramePrefix,
} from "../../src/transport/framing.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** A decoder that records what it delivers and how it failed. */
function recorder(ipc: boolean, maxSize = 0) {
  const got: Message[] = [];
  const errors: NngError[] = [];
  const decoder = new FrameDecoder(
    ipc,
    maxSize,
    (m) => got.push(m),
    (e) => errors.push(e),
  );
  return { decoder, got, errors, bodies: () => got.map((m) => Buffer.from(m.body).toString("latin1")) };
}

/** One frame: [type] u64 BE length, payload. */
function frame(payload: Uint8Array | string, ipc = false): Uint8Array {
  const body = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
  const out = new Uint8Array((ipc ? 9 : 8) + body.length);
  const n = writeFramePrefix(out, 0, body.length, ipc);
  out.set(body, n);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** A prefix claiming `size` bytes (as a bigint, so lengths above 2^53 can be written). */
function bigPrefix(size: bigint, ipc = false): Uint8Array {
  const b = Buffer.alloc(ipc ? 9 : 8);
  if (ipc) b[0] = IPC_MSG_TYPE;
  b.writeBigUInt64BE(size, ipc ? 1 : 0);
  return new Uint8Array(b);
}

function assertNng(err: NngError | undefined, code: string): void {
  assert.ok(err instanceof NngError, `expected an NngError ${code}, got ${String(err)}`);
  assert.equal(err.code, code);
}

describe("spHeader / parseSpHeader", () => {
  test("spHeader is 00 53 50 00 <proto BE> 00 00", () => {
    assert.equal(SP_HEADER_LENGTH, 8);
    assert.equal(hex(spHeader(0x11)), "0053500000110000");
    assert.equal(hex(spHeader(0x50)), "0053500000500000");
    assert.equal(hex(spHeader(0x1234)), "0053500012340000");
  });

  test("parseSpHeader returns the peer's protocol number", () => {
    for (const p of [0x10, 0x11, 0x21, 0x31, 0x51, 0x63, 0x70, 0xffff]) assert.equal(parseSpHeader(spHeader(p)), p);
  });

  test("any bad magic or reserved byte, or a short header, is EPROTO", () => {
    const good = spHeader(0x51);
    for (const at of [0, 1, 2, 3, 6, 7]) {
      const bad = good.slice();
      bad[at] ^= 0x01;
      assert.throws(() => parseSpHeader(bad), (e: unknown) => e instanceof NngError && e.code === "EPROTO", `byte ${at}`);
    }
    assert.throws(() => parseSpHeader(good.subarray(0, 7)), (e: unknown) => e instanceof NngError && e.code === "EPROTO");
    // "HTTP/1.1" is what a web client would send
    assert.throws(() => parseSpHeader(new TextEncoder().encode("GET / HT")), /Protocol error/);
  });
});

describe("writeFramePrefix", () => {
  test("tcp: u64 big-endian length", () => {
    const out = new Uint8Array(12).fill(0xee);
    assert.equal(writeFramePrefix(out, 2, 0x0102, false), 8);
    assert.equal(hex(out), "eeee0000000000000102eeee");
    const z = new Uint8Array(8).fill(0xee);
    writeFramePrefix(z, 0, 0, false);
    assert.equal(hex(z), "0000000000000000");
  });

  test("lengths beyond 32 bits use the high word", () => {
    const out = new Uint8Array(8);
    writeFramePrefix(out, 0, 2 ** 32 + 5, false);
    assert.equal(hex(out), "0000000100000005");
    writeFramePrefix(out, 0, 0xffffffff, false);
    assert.equal(hex(out), "00000000ffffffff");
    writeFramePrefix(out, 0, 2 ** 40 + 2 ** 31, false);
    assert.equal(hex(out), "0000010080000000");
  });

  test("ipc: type byte 0x01 first, 9 bytes", () => {
    const out = new Uint8Array(9);
    assert.equal(writeFramePrefix(out, 0, 300, true), 9);
    assert.equal(hex(out), "01000000000000012c");
  });
});

describe("FrameDecoder", () => {
  const payloads = ["", "a", "hello", "x".repeat(300), "end"];

  for (const ipc of [false, true]) {
    const kind = ipc ? "ipc" : "tcp";

    test(`${kind}: a stream split at every byte boundary decodes the same`, () => {
      const stream = concat(...payloads.map((p) => frame(p, ipc)));
      for (let cut = 0; cut <= stream.length; cut++) {
        const r = recorder(ipc);
        r.decoder.push(stream.subarray(0, cut));
        r.decoder.push(stream.subarray(cut));
        assert.deepEqual(r.bodies(), payloads, `cut at ${cut}`);
        assert.equal(r.errors.length, 0);
        assert.ok(r.decoder.atBoundary);
      }
    });

    test(`${kind}: one byte at a time`, () => {
      const stream = concat(...payloads.map((p) => frame(p, ipc)));
      const r = recorder(ipc);
      for (let i = 0; i < stream.length; i++) {
        r.decoder.push(stream.subarray(i, i + 1));
        assert.equal(r.decoder.atBoundary, r.got.length === payloads.length || isBoundary(stream, i + 1, ipc));
      }
      assert.deepEqual(r.bodies(), payloads);
    });

    test(`${kind}: many frames in one chunk are views on it (no copy)`, () => {
      const many = Array.from({ length: 100 }, (_, i) => `m${i}`);
      const chunk = concat(...many.map((p) => frame(p, ipc)));
      const r = recorder(ipc);
      r.decoder.push(chunk);
      assert.deepEqual(r.bodies(), many);
      for (const m of r.got) assert.equal(m.body.buffer, chunk.buffer);
      assert.equal(r.got[0]!.headerLength, 0);
    });

    test(`${kind}: zero-length frames`, () => {
      const r = recorder(ipc);
      r.decoder.push(concat(frame("", ipc), frame("", ipc), frame("", ipc)));
      assert.equal(r.got.length, 3);
      for (const m of r.got) assert.equal(m.length, 0);
      // a zero-length frame whose prefix spans chunks
      const f = frame("", ipc);
      r.decoder.push(f.subarray(0, 3));
      assert.equal(r.got.length, 3);
      r.decoder.push(f.subarray(3));
      assert.equal(r.got.length, 4);
      assert.ok(r.decoder.atBoundary);
    });

    test(`${kind}: a payload spanning chunks is joined once`, () => {
      const big = new Uint8Array(10_000).map((_, i) => i & 0xff);
      const f = frame(big, ipc);
      const r = recorder(ipc);
      for (let at = 0; at < f.length; at += 777) r.decoder.push(f.subarray(at, Math.min(f.length, at + 777)));
      assert.equal(r.got.length, 1);
      assert.deepEqual(r.got[0]!.body, big);
    });

    test(`${kind}: recv-size-max: a frame at the limit passes, one byte more fails with EMSGSIZE on the prefix alone`, () => {
      const ok = recorder(ipc, 5);
      ok.decoder.push(frame("12345", ipc));
      assert.deepEqual(ok.bodies(), ["12345"]);
      assert.equal(ok.errors.length, 0);

      const r = recorder(ipc, 5);
      const f = frame("123456", ipc);
      const prefixLength = ipc ? 9 : 8;
      // only the prefix: the decoder must refuse before any payload arrives
      r.decoder.push(f.subarray(0, prefixLength - 1));
      assert.equal(r.errors.length, 0);
      r.decoder.push(f.subarray(prefixLength - 1, prefixLength));
      assert.equal(r.errors.length, 1);
      assertNng(r.errors[0], "EMSGSIZE");
      // nothing more is delivered or reported afterwards
      r.decoder.push(f.subarray(prefixLength));
      r.decoder.push(frame("ok", ipc));
      assert.equal(r.got.length, 0);
      assert.equal(r.errors.length, 1);
    });

    test(`${kind}: recv-size-max in the fast path (whole frame in one chunk) fails too`, () => {
      const r = recorder(ipc, 3);
      r.decoder.push(concat(frame("abc", ipc), frame("abcd", ipc), frame("x", ipc)));
      assert.deepEqual(r.bodies(), ["abc"]);
      assertNng(r.errors[0], "EMSGSIZE");
      assert.equal(r.errors.length, 1);
    });

    test(`${kind}: a length prefix of 2^60 fails with EMSGSIZE without allocating`, () => {
      const r = recorder(ipc, 0);
      r.decoder.push(bigPrefix(2n ** 60n, ipc));
      assert.equal(r.errors.length, 1);
      assertNng(r.errors[0], "EMSGSIZE");
      assert.equal(r.got.length, 0);
    });

    test(`${kind}: an unlimited 2^40-byte frame is gathered as it arrives (nothing allocated up front)`, () => {
      const r = recorder(ipc, 0);
      // new Uint8Array(2^40) would throw a RangeError: allocating up front cannot go unnoticed
      r.decoder.push(concat(bigPrefix(2n ** 40n, ipc), new Uint8Array(1000)));
      r.decoder.push(new Uint8Array(1000));
      assert.equal(r.errors.length, 0);
      assert.equal(r.got.length, 0);
      assert.equal(r.decoder.atBoundary, false);
    });

    test(`${kind}: pause between messages holds the rest, resume delivers in order`, () => {
      const r = recorder(ipc);
      const pauseAfter = new Set(["a", "c"]);
      const decoder = new FrameDecoder(
        ipc,
        0,
        (m) => {
          r.got.push(m);
          if (pauseAfter.has(m.text())) decoder.pause();
        },
        (e) => r.errors.push(e),
      );
      decoder.push(concat(frame("a", ipc), frame("b", ipc), frame("c", ipc)));
      assert.deepEqual(r.bodies(), ["a"]);
      assert.ok(decoder.isPaused);
      // more chunks while paused wait behind the held rest
      const d = frame("d", ipc);
      decoder.push(d.subarray(0, 4));
      decoder.push(concat(d.subarray(4), frame("e", ipc)));
      assert.deepEqual(r.bodies(), ["a"]);
      assert.ok(decoder.heldChunks >= 1);
      decoder.resume();
      assert.deepEqual(r.bodies(), ["a", "b", "c"]);
      assert.ok(decoder.isPaused);
      decoder.resume();
      assert.deepEqual(r.bodies(), ["a", "b", "c", "d", "e"]);
      assert.equal(decoder.heldChunks, 0);
      assert.equal(r.errors.length, 0);
    });
  }

  test("ipc: a type byte other than 0x01 is EPROTO", () => {
    for (const type of [0x00, 0x02, 0xff]) {
      const r = recorder(true);
      const f = frame("abc", true);
      f[0] = type;
      r.decoder.push(f);
      assert.equal(r.got.length, 0, `type ${type}`);
      assertNng(r.errors[0], "EPROTO");
    }
    // after a good frame, split so the bad type byte arrives alone
    const r = recorder(true);
    const bad = frame("x", true);
    bad[0] = 7;
    r.decoder.push(concat(frame("good", true), bad.subarray(0, 1)));
    assert.deepEqual(r.bodies(), ["good"]);
    r.decoder.push(bad.subarray(1));
    assertNng(r.errors[0], "EPROTO");
  });

  test("tcp frames are not ipc frames: a tcp decoder reads no type byte", () => {
    const r = recorder(false);
    r.decoder.push(frame("abc", false));
    assert.deepEqual(r.bodies(), ["abc"]);
  });
});

/** True when `at` falls exactly between two frames of `stream`. */
function isBoundary(stream: Uint8Array, at: number, ipc: boolean): boolean {
  let off = 0;
  const p = ipc ? 9 : 8;
  while (off < at) {
    const view = Buffer.from(stream.buffer, stream.byteOffset + off + (ipc ? 1 : 0), 8);
    off += p + Number(view.readBigUInt64BE(0));
  }
  return off === at;
}
