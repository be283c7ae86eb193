import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Message } from "../../src/core/message.js";
import { NngError } from "../../src/core/errors.js";

const u8 = (...b: number[]) => new Uint8Array(b);

function assertEinval(fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof NngError);
    assert.equal(err.code, "EINVAL");
    assert.equal(err.errno, 3);
    return true;
  });
}

describe("Message construction", () => {
  it("is empty by default", () => {
    const m = new Message();
    assert.equal(m.length, 0);
    assert.equal(m.headerLength, 0);
    assert.deepEqual(m.body, u8());
    assert.deepEqual(m.header, u8());
    assert.equal(m.pipe, 0);
    assert.equal(m.text(), "");
  });

  it("makes a zero-filled body from a number", () => {
    const m = new Message(5);
    assert.deepEqual(m.body, u8(0, 0, 0, 0, 0));
    assert.ok(m.capacity >= 5);
    assert.equal(new Message(0).length, 0);
    assertEinval(() => new Message(-1));
    assertEinval(() => new Message(1.5));
  });

  it("copies a Uint8Array body", () => {
    const src = u8(1, 2, 3);
    const m = new Message(src);
    src[0] = 9;
    assert.deepEqual(m.body, u8(1, 2, 3));
    m.body[1] = 7;
    assert.deepEqual(src, u8(9, 2, 3));
  });

  it("encodes a string body as UTF-8", () => {
    const m = new Message("hé€");
    assert.deepEqual(m.body, u8(0x68, 0xc3, 0xa9, 0xe2, 0x82, 0xac));
    assert.equal(m.text(), "hé€");
    m.insert("<");
    m.append(">");
    assert.equal(m.text(), "<hé€>");
  });

  it("long strings and multi-byte text", () => {
    const s = "€a".repeat(1500);
    const m = new Message(s);
    assert.equal(m.length, 4 * 1500);
    assert.equal(m.text(), s);
    m.insertU32(0x80000000);
    m.append("ü");
    assert.equal(m.trimU32(), 0x80000000);
    assert.equal(m.text(), s + "ü");
  });

  it("many small messages allocated side by side do not interfere", () => {
    const msgs: Message[] = [];
    for (let i = 0; i < 2000; i++) {
      const m = i % 3 === 0 ? new Message(i % 50) : i % 3 === 1 ? new Message(u8(i & 0xff)) : new Message("x");
      m.headerAppendU32(i);
      msgs.push(m);
    }
    // Grow each one in turn (forcing reallocations and in-place slides), then check all of them.
    for (let round = 0; round < 3; round++) {
      msgs.forEach((m, i) => {
        for (let k = 0; k < 20; k++) {
          m.appendU32(i);
          m.insertU16(i);
          m.headerInsertU32(i);
        }
        m.trimU16();
        const neighbour = msgs[(i + 1) % msgs.length]!.body.subarray(0, 1);
        m.append(neighbour);
        m.chop(neighbour.length);
      });
    }
    msgs.forEach((m, i) => {
      for (let k = 0; k < 57; k++) assert.equal(m.trimU16(), i & 0xffff);
      for (let k = 0; k < 60; k++) assert.equal(m.chopU32(), i);
      for (let k = 0; k < 60; k++) assert.equal(m.headerTrimU32(), i);
      assert.equal(m.headerTrimU32(), i);
      assert.equal(m.headerLength, 0);
      if (i % 3 === 0) assert.deepEqual(m.body, new Uint8Array(i % 50));
      else if (i % 3 === 1) assert.deepEqual(m.body, u8(i & 0xff));
      else assert.equal(m.text(), "x");
    });
  });

  it("body and header getters are views, not copies", () => {
    const m = new Message(u8(1, 2, 3));
    m.body[0] = 42;
    assert.equal(m.body[0], 42);
    m.headerAppend(u8(5));
    m.header[0] = 6;
    assert.deepEqual(m.header, u8(6));
  });
});

describe("Message body bytes", () => {
  it("append, insert, trim, chop", () => {
    const m = new Message();
    m.append(u8(3, 4));
    m.append(u8(5));
    m.insert(u8(1, 2));
    m.append(u8());
    m.insert("");
    assert.deepEqual(m.body, u8(1, 2, 3, 4, 5));
    m.trim(2);
    assert.deepEqual(m.body, u8(3, 4, 5));
    m.chop(1);
    assert.deepEqual(m.body, u8(3, 4));
    m.trim(0);
    m.chop(0);
    assert.deepEqual(m.body, u8(3, 4));
    m.trim(2);
    assert.equal(m.length, 0);
  });

  it("trim and chop beyond the length are EINVAL and leave the message intact", () => {
    const m = new Message(u8(1, 2, 3));
    assertEinval(() => m.trim(4));
    assertEinval(() => m.chop(4));
    assertEinval(() => m.trim(-1));
    assertEinval(() => m.chop(0.5));
    assert.deepEqual(m.body, u8(1, 2, 3));
  });

  it("appending or inserting its own body works", () => {
    const m = new Message(u8(1, 2, 3));
    m.append(m.body);
    assert.deepEqual(m.body, u8(1, 2, 3, 1, 2, 3));
    m.insert(m.body.subarray(0, 2));
    assert.deepEqual(m.body, u8(1, 2, 1, 2, 3, 1, 2, 3));
    // Force slides inside an owned buffer, with the source aliasing it.
    for (let i = 0; i < 10; i++) {
      m.trim(1);
      m.append(m.body);
    }
    const ref = new Message(u8(1, 2, 3));
    ref.append(ref.body.slice());
    ref.insert(ref.body.slice(0, 2));
    for (let i = 0; i < 10; i++) {
      ref.trim(1);
      ref.append(ref.body.slice());
    }
    assert.deepEqual(m.body, ref.body);
  });

  it("many appends and inserts", () => {
    const m = new Message();
    const expected: number[] = [];
    for (let i = 0; i < 5000; i++) {
      m.append(u8(i & 0xff));
      m.insert(u8((i * 7) & 0xff, 0xaa));
      expected.push(i & 0xff);
      expected.unshift((i * 7) & 0xff, 0xaa);
    }
    assert.equal(m.length, 15000);
    assert.deepEqual(m.body, Uint8Array.from(expected));
  });

  it("repeated u32 inserts are cheap and correct", () => {
    const m = new Message(u8(0xff));
    for (let i = 0; i < 20000; i++) m.insertU32(i);
    assert.equal(m.length, 80001);
    assert.ok(m.capacity < 4 * 80001, `capacity ${m.capacity} is not geometric`);
    for (let i = 19999; i >= 0; i--) assert.equal(m.trimU32(), i);
    assert.deepEqual(m.body, u8(0xff));
  });

  it("queue-like trim/append keeps content and bounded storage", () => {
    const m = new Message();
    let next = 0;
    let first = 0;
    for (let i = 0; i < 100; i++) m.appendU32(next++);
    for (let i = 0; i < 10000; i++) {
      assert.equal(m.trimU32(), first++);
      m.appendU32(next++);
    }
    assert.equal(m.length, 400);
    assert.ok(m.capacity < 4096, `capacity ${m.capacity}`);
    for (let i = 0; i < 100; i++) assert.equal(m.peekU32(4 * i), first + i);
  });
});

describe("Message body integers", () => {
  it("appendU16/U32/U64 are big-endian", () => {
    const m = new Message();
    m.appendU16(0x0102);
    m.appendU32(0x03040506);
    m.appendU64(0x0708090a0b0c0d0en);
    assert.deepEqual(
      m.body,
      u8(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14),
    );
  });

  it("insertU16/U32/U64 are big-endian and prepend", () => {
    const m = new Message(u8(0xee));
    m.insertU64(0x0708090a0b0c0d0en);
    m.insertU32(0x03040506);
    m.insertU16(0x0102);
    assert.deepEqual(m.body, u8(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xee));
  });

  it("trim reads from the front, chop from the end", () => {
    const m = new Message(u8(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28));
    assert.equal(m.trimU16(), 0x0102);
    assert.equal(m.trimU32(), 0x03040506);
    assert.equal(m.trimU64(), 0x0708090a0b0c0d0en);
    assert.equal(m.chopU16(), 0x1b1c);
    assert.equal(m.chopU32(), 0x1718191a);
    assert.equal(m.chopU64(), 0x0f10111213141516n);
    assert.equal(m.length, 0);
  });

  it("u32 values with the top bit set, and masking", () => {
    const m = new Message();
    m.appendU32(0x80000001);
    m.appendU32(0xffffffff);
    m.appendU32(-1);
    m.appendU32(0x1_0000_0002); // masked to 32 bits
    m.appendU16(0x18001); // masked to 16 bits
    assert.deepEqual(
      m.body,
      u8(0x80, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 2, 0x80, 1),
    );
    assert.equal(m.trimU32(), 0x80000001);
    assert.equal(m.trimU32(), 0xffffffff);
    assert.equal(m.trimU32(), 0xffffffff);
    assert.equal(m.chopU16(), 0x8001);
    assert.equal(m.chopU32(), 2);
  });

  it("u64 extremes, numbers and bigints", () => {
    const m = new Message();
    m.appendU64(0xffff_ffff_ffff_ffffn);
    m.appendU64(0n);
    m.appendU64(Number.MAX_SAFE_INTEGER);
    m.appendU64(0x1_0000_0001);
    m.appendU64(0x8000_0000_0000_0000n);
    m.appendU64(-1n); // two's complement modulo 2^64
    m.appendU64(-2); // numbers too
    assert.deepEqual(m.body.subarray(0, 8), u8(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
    assert.deepEqual(m.body.subarray(16, 24), u8(0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
    assert.deepEqual(m.body.subarray(24, 32), u8(0, 0, 0, 1, 0, 0, 0, 1));
    assert.equal(m.trimU64(), 0xffff_ffff_ffff_ffffn);
    assert.equal(m.trimU64(), 0n);
    assert.equal(m.trimU64(), BigInt(Number.MAX_SAFE_INTEGER));
    assert.equal(m.trimU64(), 0x1_0000_0001n);
    assert.equal(m.trimU64(), 0x8000_0000_0000_0000n);
    assert.equal(m.trimU64(), 0xffff_ffff_ffff_ffffn);
    assert.equal(m.trimU64(), 0xffff_ffff_ffff_fffen);
    m.insertU64(0xffff_ffff_ffff_ffffn);
    assert.equal(m.chopU64(), 0xffff_ffff_ffff_ffffn);
  });

  it("u64 numbers that are not safe integers are EINVAL", () => {
    const m = new Message();
    assertEinval(() => m.appendU64(2 ** 64));
    assertEinval(() => m.insertU64(1.5));
    assertEinval(() => m.headerAppendU64(Number.NaN));
    assert.equal(m.length, 0);
    assert.equal(m.headerLength, 0);
  });

  it("reading more than is there is EINVAL and removes nothing", () => {
    const m = new Message(u8(1, 2, 3));
    assertEinval(() => m.trimU32());
    assertEinval(() => m.chopU32());
    assertEinval(() => m.trimU64());
    assertEinval(() => m.chopU64());
    assert.deepEqual(m.body, u8(1, 2, 3));
    m.trim(2);
    assertEinval(() => m.trimU16());
    assertEinval(() => m.chopU16());
    assert.deepEqual(m.body, u8(3));
  });

  it("peekU32 reads without removing", () => {
    const m = new Message(u8(0x80, 0, 0, 1, 0, 0, 0, 2, 9));
    assert.equal(m.peekU32(), 0x80000001);
    assert.equal(m.peekU32(4), 2);
    assert.equal(m.peekU32(5), 0x209);
    assert.equal(m.length, 9);
    assertEinval(() => m.peekU32(6));
    assertEinval(() => m.peekU32(-1));
    m.trim(4);
    assert.equal(m.peekU32(), 2);
    assertEinval(() => new Message().peekU32());
  });
});

describe("Message header", () => {
  it("byte operations", () => {
    const m = new Message(u8(9));
    m.headerAppend(u8(3, 4));
    m.headerInsert(u8(1, 2));
    m.headerAppend("A");
    assert.deepEqual(m.header, u8(1, 2, 3, 4, 0x41));
    assert.equal(m.headerLength, 5);
    m.headerTrim(1);
    m.headerChop(2);
    assert.deepEqual(m.header, u8(2, 3));
    assertEinval(() => m.headerTrim(3));
    assertEinval(() => m.headerChop(3));
    assert.deepEqual(m.body, u8(9), "body untouched");
  });

  it("integer operations are big-endian", () => {
    const m = new Message();
    m.headerAppendU32(0x80000001);
    m.headerAppendU16(0xabcd);
    m.headerAppendU64(0x0102030405060708n);
    m.headerInsertU32(0xdeadbeef);
    m.headerInsertU16(0x1234);
    m.headerInsertU64(0xffff_ffff_ffff_ffffn);
    assert.deepEqual(
      m.header,
      u8(
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0x12, 0x34,
        0xde, 0xad, 0xbe, 0xef,
        0x80, 0, 0, 1,
        0xab, 0xcd,
        1, 2, 3, 4, 5, 6, 7, 8,
      ),
    );
    assert.equal(m.headerPeekU32(10), 0xdeadbeef);
    assert.equal(m.headerTrimU64(), 0xffff_ffff_ffff_ffffn);
    assert.equal(m.headerTrimU16(), 0x1234);
    assert.equal(m.headerTrimU32(), 0xdeadbeef);
    assert.equal(m.headerChopU64(), 0x0102030405060708n);
    assert.equal(m.headerChopU16(), 0xabcd);
    assert.equal(m.headerChopU32(), 0x80000001);
    assert.equal(m.headerLength, 0);
    assertEinval(() => m.headerTrimU16());
    assertEinval(() => m.headerChopU16());
    assertEinval(() => m.headerTrimU32());
    assertEinval(() => m.headerChopU32());
    assertEinval(() => m.headerTrimU64());
    assertEinval(() => m.headerChopU64());
    assertEinval(() => m.headerPeekU32());
    assert.equal(m.length, 0, "body untouched");
  });

  it("a backtrace of many u32 words", () => {
    const m = new Message("payload");
    for (let i = 0; i < 1000; i++) m.headerInsertU32(0x80000000 + i);
    for (let i = 999; i >= 0; i--) assert.equal(m.headerTrimU32(), 0x80000000 + i);
    for (let i = 0; i < 1000; i++) m.headerAppendU32(i);
    for (let i = 999; i >= 0; i--) assert.equal(m.headerChopU32(), i);
    assert.equal(m.text(), "payload");
  });

  it("headerClear", () => {
    const m = new Message(u8(1));
    m.headerAppendU32(7);
    m.headerClear();
    assert.equal(m.headerLength, 0);
    m.headerAppendU16(5);
    assert.deepEqual(m.header, u8(0, 5));
    assert.deepEqual(m.body, u8(1));
  });
});

describe("Message size management", () => {
  it("realloc grows with zeros and shrinks from the end", () => {
    const m = new Message(u8(1, 2, 3));
    m.realloc(6);
    assert.deepEqual(m.body, u8(1, 2, 3, 0, 0, 0));
    m.realloc(2);
    assert.deepEqual(m.body, u8(1, 2));
    // the chopped bytes must not reappear
    m.realloc(4);
    assert.deepEqual(m.body, u8(1, 2, 0, 0));
    m.realloc(1000);
    assert.equal(m.length, 1000);
    assert.ok(m.body.subarray(2).every((b) => b === 0));
    m.realloc(0);
    assert.equal(m.length, 0);
    assertEinval(() => m.realloc(-1));
  });

  it("realloc of a chopped wrapped view does not expose or touch the neighbours", () => {
    const big = u8(1, 2, 3, 4, 5, 6);
    const m = Message.wrap(big.subarray(0, 4));
    m.chop(2);
    m.realloc(4);
    assert.deepEqual(m.body, u8(1, 2, 0, 0));
    assert.deepEqual(big, u8(1, 2, 3, 4, 5, 6));
  });

  it("reserve and capacity", () => {
    const m = new Message(u8(1, 2, 3));
    assert.ok(m.capacity >= 3);
    m.reserve(1000);
    assert.ok(m.capacity >= 1000);
    assert.deepEqual(m.body, u8(1, 2, 3));
    const cap = m.capacity;
    const body = m.body;
    m.append(new Uint8Array(900));
    assert.equal(m.capacity, cap, "no reallocation within the reserved capacity");
    assert.equal(m.body.buffer, body.buffer);
    m.reserve(10); // smaller: no-op
    assert.equal(m.capacity, cap);
    assertEinval(() => m.reserve(-1));
    const e = new Message();
    e.reserve(64);
    assert.ok(e.capacity >= 64);
    assert.equal(e.length, 0);
  });

  it("clear empties the body but keeps the header", () => {
    const m = new Message("hello");
    m.headerAppendU32(1);
    m.clear();
    assert.equal(m.length, 0);
    assert.equal(m.text(), "");
    assert.deepEqual(m.header, u8(0, 0, 0, 1));
    m.append("again");
    assert.equal(m.text(), "again");
    const w = Message.wrap(u8(1, 2, 3));
    w.clear();
    assert.equal(w.length, 0);
    w.append(u8(4));
    assert.deepEqual(w.body, u8(4));
  });
});

describe("Message copy-on-write", () => {
  it("wrap is zero-copy", () => {
    const buf = u8(1, 2, 3, 4);
    const m = Message.wrap(buf);
    assert.equal(m.body.buffer, buf.buffer);
    buf[0] = 9;
    assert.equal(m.body[0], 9);
    assert.equal(m.peekU32(), 0x09020304);
  });

  it("writes to a wrapped subarray never touch the rest of the buffer", () => {
    const big = u8(0xa0, 0xa1, 1, 2, 3, 4, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7);
    const snapshot = big.slice();
    const ops: Array<(m: Message) => void> = [
      (m) => m.append(u8(7, 7)),
      (m) => m.insert(u8(7, 7)),
      (m) => m.appendU32(0x77777777),
      (m) => m.insertU32(0x77777777),
      (m) => m.appendU16(0x7777),
      (m) => m.insertU16(0x7777),
      (m) => m.appendU64(0x7777777777777777n),
      (m) => m.insertU64(0x7777777777777777n),
      (m) => m.realloc(8),
      (m) => { m.chop(2); m.appendU16(0x7777); },
      (m) => { m.trim(2); m.insertU16(0x7777); },
      (m) => m.reserve(100),
    ];
    for (const op of ops) {
      const m = Message.wrap(big.subarray(2, 6));
      op(m);
      assert.deepEqual(big, snapshot);
    }
    const m = Message.wrap(big.subarray(2, 6));
    m.append(u8(5));
    m.insert(u8(0));
    assert.deepEqual(m.body, u8(0, 1, 2, 3, 4, 5));
    assert.notEqual(m.body.buffer, big.buffer);
  });

  it("trim and chop on a wrapped view do not copy", () => {
    const big = u8(0, 1, 2, 3, 4, 5, 6, 7);
    const m = Message.wrap(big);
    m.trim(2);
    m.chop(2);
    assert.equal(m.body.buffer, big.buffer);
    assert.deepEqual(m.body, u8(2, 3, 4, 5));
    assert.equal(m.trimU16(), 0x0203);
    assert.equal(m.chopU16(), 0x0405);
    assert.equal(m.length, 0);
  });

  it("dup copies header, body and pipe", () => {
    const m = new Message("body");
    m.headerAppendU32(0x80000005);
    m.pipe = 42;
    const d = m.dup();
    assert.equal(d.pipe, 42);
    assert.equal(d.text(), "body");
    assert.deepEqual(d.header, u8(0x80, 0, 0, 5));
    d.pipe = 7;
    assert.equal(m.pipe, 42);
  });

  it("dup shares storage until either side writes", () => {
    const m = new Message(u8(1, 2, 3, 4));
    m.headerAppend(u8(8, 9));
    const d = m.dup();
    assert.equal(d.body.buffer, m.body.buffer, "O(1) dup shares storage");

    d.append(u8(5));
    d.headerInsertU16(0x0102);
    assert.deepEqual(m.body, u8(1, 2, 3, 4));
    assert.deepEqual(m.header, u8(8, 9));
    assert.deepEqual(d.body, u8(1, 2, 3, 4, 5));
    assert.deepEqual(d.header, u8(1, 2, 8, 9));

    const d2 = m.dup();
    m.insert(u8(0));
    m.headerAppend(u8(10));
    m.body[1] = 0xff;
    assert.deepEqual(d2.body, u8(1, 2, 3, 4));
    assert.deepEqual(d2.header, u8(8, 9));
    assert.deepEqual(m.body, u8(0, 0xff, 2, 3, 4));
    assert.deepEqual(m.header, u8(8, 9, 10));
  });

  it("dup then every kind of write leaves the other side unchanged", () => {
    const writes: Array<(m: Message) => void> = [
      (m) => m.appendU32(0xffffffff),
      (m) => m.insertU32(0xffffffff),
      (m) => m.appendU64(1n),
      (m) => m.insertU64(1n),
      (m) => m.appendU16(1),
      (m) => m.insertU16(1),
      (m) => { m.chop(1); m.realloc(4); },
      (m) => { m.chop(1); m.append(u8(0xee)); },
      (m) => { m.trim(1); m.insert(u8(0xee)); },
      (m) => m.reserve(256),
      (m) => m.clear(),
      (m) => { m.headerChop(1); m.headerAppend(u8(0xee)); },
      (m) => { m.headerTrim(1); m.headerInsert(u8(0xee)); },
      (m) => m.headerClear(),
    ];
    for (const write of writes) {
      for (const mutateOriginal of [false, true]) {
        const m = new Message(u8(1, 2, 3, 4));
        m.headerAppend(u8(5, 6));
        const d = m.dup();
        const [target, other] = mutateOriginal ? [m, d] : [d, m];
        write(target);
        assert.deepEqual(other.body, u8(1, 2, 3, 4));
        assert.deepEqual(other.header, u8(5, 6));
      }
    }
  });

  it("dup of a wrapped message leaves the wrapped buffer alone", () => {
    const buf = u8(1, 2, 3, 4);
    const m = Message.wrap(buf);
    const d = m.dup();
    d.insertU32(0);
    m.appendU32(0);
    assert.deepEqual(buf, u8(1, 2, 3, 4));
    assert.deepEqual(d.body, u8(0, 0, 0, 0, 1, 2, 3, 4));
    assert.deepEqual(m.body, u8(1, 2, 3, 4, 0, 0, 0, 0));
  });

  it("owned storage is reused after the copy", () => {
    const m = Message.wrap(u8(1, 2));
    m.append(u8(3));
    const buffer = m.body.buffer;
    m.append(u8(4));
    m.insert(u8(0));
    assert.equal(m.body.buffer, buffer, "headroom and tailroom used in place");
    assert.deepEqual(m.body, u8(0, 1, 2, 3, 4));
  });
});

it("copyTo writes header then body (short and long, owned and wrapped views)", () => {
  const long = Uint8Array.from({ length: 100 }, (_, i) => i);
  const cases: Message[] = [new Message("abc"), Message.wrap(long), Message.wrap(long.subarray(10, 90)), new Message(0)];
  cases[0]!.headerAppendU32(0x80000001);
  cases[1]!.headerAppend(long.subarray(0, 40));
  for (const m of cases) {
    const out = new Uint8Array(200).fill(0xee);
    const end = m.copyTo(out, 7);
    const want = [...m.header, ...m.body];
    assert.equal(end, 7 + want.length);
    assert.deepEqual([...out.subarray(7, end)], want);
    assert.equal(out[6], 0xee);
    assert.equal(out[end], 0xee);
  }
});

it("wrapRange shares bytes [start, end) and copies them on the first write", () => {
  const bytes = Uint8Array.from({ length: 16 }, (_, i) => i);
  const m = Message.wrapRange(bytes, 4, 8);
  assert.deepEqual([...m.body], [4, 5, 6, 7]);
  assert.equal(m.length, 4);
  m.append(u8(99));
  m.insertU16(0x0102);
  m.trimU16();
  assert.deepEqual([...m.body], [4, 5, 6, 7, 99]);
  assert.deepEqual([...bytes], Array.from({ length: 16 }, (_, i) => i), "the shared bytes are untouched");
});

it("bodyToHeader moves leading body bytes to the header; later writes to either leave the other intact", () => {
  const m = new Message(u8(0, 0, 0, 7, 1, 2, 3));
  m.bodyToHeader(4);
  assert.deepEqual([...m.header], [0, 0, 0, 7]);
  assert.deepEqual([...m.body], [1, 2, 3]);
  m.insert(u8(9, 9, 9, 9)); // the body must not grow into the header's bytes
  m.headerAppendU16(0x0a0b);
  assert.deepEqual([...m.header], [0, 0, 0, 7, 0x0a, 0x0b]);
  assert.deepEqual([...m.body], [9, 9, 9, 9, 1, 2, 3]);
  m.bodyToHeader(2); // onto a non-empty header: appended
  assert.deepEqual([...m.header], [0, 0, 0, 7, 0x0a, 0x0b, 9, 9]);
  assert.deepEqual([...m.body], [9, 9, 1, 2, 3]);
  assertEinval(() => m.bodyToHeader(6));
  const wrapped = Message.wrapRange(u8(5, 6, 7, 8, 9), 1, 5);
  wrapped.bodyToHeader(1);
  assert.deepEqual([...wrapped.header], [6]);
  assert.deepEqual([...wrapped.body], [7, 8, 9]);
});
