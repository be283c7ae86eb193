import { NngError } from "./errors.js";

/** Message content: bytes, or a string that is UTF-8 encoded. */
export type Bytes = Uint8Array | string;

/** Free bytes kept before the data of a fresh region, so protocols can prepend words cheaply. */
const HEADROOM = 32;
const EMPTY = new Uint8Array(0);
const TWO32 = 0x1_0000_0000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

// `new Uint8Array(n)` costs ~10x more than a view on an existing ArrayBuffer, so small regions are
// carved from a shared slab (like Node's Buffer pool). Each range is handed out once, so it is
// zero-filled and only its owner writes it; a live region keeps its whole slab alive.
const SLAB_SIZE = 16384;
const MAX_POOLED = 1024;
let slab = new ArrayBuffer(SLAB_SIZE);
let slabUsed = 0;

/** A zero-filled Uint8Array of n bytes. */
function alloc(n: number): Uint8Array {
  if (n > MAX_POOLED) return new Uint8Array(n);
  if (slabUsed + n > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabUsed = 0;
  }
  const u = new Uint8Array(slab, slabUsed, n);
  slabUsed = (slabUsed + n + 7) & ~7;
  return u;
}

function toBytes(data: Bytes): Uint8Array {
  return typeof data === "string" ? encoder.encode(data) : data;
}

/** Throws EINVAL unless n is an integer in [0, max]. */
function checkCount(n: number, max: number, what: string): void {
  if (!(n >= 0 && n <= max) || !Number.isInteger(n)) {
    throw new NngError("EINVAL", `${what} ${n} out of range 0..${max}`);
  }
}

function tooShort(n: number): never {
  throw new NngError("EINVAL", `message shorter than ${n} bytes`);
}

function readU16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

function readU32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

// Uint8Array stores `v & 0xff`, so no masking is needed here.
function writeU16(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 8;
  b[o + 1] = v;
}

function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

/** Low half of the last u64 given to splitU64 (a module variable avoids allocating a pair). */
let lo32 = 0;

/** Returns the high 32 bits of v (two's complement, modulo 2^64) and leaves the low 32 in lo32. */
function splitU64(v: bigint | number): number {
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v)) throw new NngError("EINVAL", `u64 ${v} is not a safe integer`);
    lo32 = v >>> 0;
    return Math.floor(v / TWO32) >>> 0;
  }
  const u = BigInt.asUintN(64, v);
  lo32 = Number(u & 0xffff_ffffn);
  return Number(u >> 32n);
}

function joinU64(hi: number, lo: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/**
 * One byte region (nni_chunk): data is buf[start, end). Only an owned buf may be written, and then
 * also outside [start, end); a shared one (wrapped by the user, or shared by dup) is copied first.
 */
class Chunk {
  constructor(
    public buf: Uint8Array,
    public start: number,
    public end: number,
    public owned: boolean,
  ) {}

  get length(): number {
    return this.end - this.start;
  }

  view(): Uint8Array {
    return this.buf.subarray(this.start, this.end);
  }

  capacity(): number {
    return this.owned ? this.buf.length - this.start : this.end - this.start;
  }

  /** Copies the bytes into `out` at `at` without making a view when avoidable; returns the new offset. */
  copyTo(out: Uint8Array, at: number): number {
    const { buf, start, end } = this;
    const n = end - start;
    if (n <= 32) {
      // Short copies: a loop is cheaper than allocating a subarray for `set`.
      for (let i = start; i < end; i++) out[at++] = buf[i]!;
      return at;
    }
    out.set(start === 0 && end === buf.length ? buf : buf.subarray(start, end), at);
    return at + n;
  }

  /** Makes `to` a view of the same bytes; both become copy-on-write. */
  shareInto(to: Chunk): void {
    this.owned = false;
    to.buf = this.buf;
    to.start = this.start;
    to.end = this.end;
    to.owned = false;
  }

  /** Makes the region owned, with at least `front` free bytes before it and `back` after it. */
  grow(front: number, back: number): void {
    const len = this.end - this.start;
    const need = len + front + back;
    const buf = this.buf;
    let at: number;
    if (this.owned && buf.length - need >= len) {
      // Enough spare room to slide the data instead of reallocating. Requiring spare >= len
      // means a slide buys at least len/2 bytes of room, so sliding stays amortized O(1).
      const spare = buf.length - need;
      at = front + (front > 0 ? spare >> 1 : Math.min(spare >> 1, HEADROOM));
      buf.copyWithin(at, this.start, this.end);
    } else {
      const cap = this.owned ? Math.max(2 * buf.length, need + HEADROOM) : need + 2 * HEADROOM;
      const spare = cap - need;
      at = front + (front > 0 ? spare >> 1 : HEADROOM);
      const nb = alloc(cap);
      if (len > 0) nb.set(buf.subarray(this.start, this.end), at);
      this.buf = nb;
      this.owned = true;
    }
    this.start = at;
    this.end = at + len;
  }

  /** Extends the region by n bytes at the end; returns their offset in buf (which it may replace: read buf after). */
  private extendBack(n: number): number {
    if (!this.owned || this.buf.length - this.end < n) this.grow(0, n);
    const at = this.end;
    this.end = at + n;
    return at;
  }

  /** Extends the region by n bytes at the front; returns their offset in buf (the new start). */
  private extendFront(n: number): number {
    if (!this.owned || this.start < n) this.grow(n, 0);
    return (this.start -= n);
  }

  /** d may alias buf (e.g. m.append(m.body)); grow() may slide those bytes, so copy d first then. */
  private detach(d: Uint8Array): Uint8Array {
    const b = this.buf;
    return this.owned &&
      d.buffer === b.buffer &&
      d.byteOffset < b.byteOffset + b.length &&
      b.byteOffset < d.byteOffset + d.length
      ? d.slice()
      : d;
  }

  append(d: Uint8Array): void {
    const n = d.length;
    if (n === 0) return;
    if (!this.owned || this.buf.length - this.end < n) d = this.detach(d);
    const at = this.extendBack(n);
    this.buf.set(d, at);
  }

  insert(d: Uint8Array): void {
    const n = d.length;
    if (n === 0) return;
    if (!this.owned || this.start < n) d = this.detach(d);
    const at = this.extendFront(n);
    this.buf.set(d, at);
  }

  trim(n: number): void {
    checkCount(n, this.end - this.start, "trim");
    this.start += n;
  }

  chop(n: number): void {
    checkCount(n, this.end - this.start, "chop");
    this.end -= n;
  }

  clear(): void {
    if (this.owned) {
      this.start = this.end = Math.min(this.start, HEADROOM);
    } else {
      // Drop the reference so a large shared buffer can be collected.
      this.buf = EMPTY;
      this.start = this.end = 0;
    }
  }

  reserve(capacity: number): void {
    checkCount(capacity, Number.MAX_SAFE_INTEGER, "capacity");
    if (this.capacity() < capacity) this.grow(0, capacity - this.length);
  }

  realloc(size: number): void {
    checkCount(size, Number.MAX_SAFE_INTEGER, "size");
    const len = this.end - this.start;
    if (size <= len) {
      this.end = this.start + size;
      return;
    }
    const at = this.extendBack(size - len);
    // An owned buffer may hold stale bytes past the end (after chop), so zero explicitly.
    this.buf.fill(0, at, this.end);
  }

  appendU16(v: number): void {
    const at = this.extendBack(2);
    writeU16(this.buf, at, v);
  }

  appendU32(v: number): void {
    const at = this.extendBack(4);
    writeU32(this.buf, at, v);
  }

  appendU64(v: bigint | number): void {
    const hi = splitU64(v);
    const at = this.extendBack(8);
    writeU32(this.buf, at, hi);
    writeU32(this.buf, at + 4, lo32);
  }

  insertU16(v: number): void {
    const at = this.extendFront(2);
    writeU16(this.buf, at, v);
  }

  insertU32(v: number): void {
    const at = this.extendFront(4);
    writeU32(this.buf, at, v);
  }

  insertU64(v: bigint | number): void {
    const hi = splitU64(v);
    const at = this.extendFront(8);
    writeU32(this.buf, at, hi);
    writeU32(this.buf, at + 4, lo32);
  }

  trimU16(): number {
    const at = this.start;
    if (this.end - at < 2) tooShort(2);
    this.start = at + 2;
    return readU16(this.buf, at);
  }

  trimU32(): number {
    const at = this.start;
    if (this.end - at < 4) tooShort(4);
    this.start = at + 4;
    return readU32(this.buf, at);
  }

  trimU64(): bigint {
    const at = this.start;
    if (this.end - at < 8) tooShort(8);
    this.start = at + 8;
    return joinU64(readU32(this.buf, at), readU32(this.buf, at + 4));
  }

  chopU16(): number {
    if (this.end - this.start < 2) tooShort(2);
    return readU16(this.buf, (this.end -= 2));
  }

  chopU32(): number {
    if (this.end - this.start < 4) tooShort(4);
    return readU32(this.buf, (this.end -= 4));
  }

  chopU64(): bigint {
    if (this.end - this.start < 8) tooShort(8);
    const at = (this.end -= 8);
    return joinU64(readU32(this.buf, at), readU32(this.buf, at + 4));
  }

  peekU32(offset: number): number {
    if (!(offset >= 0 && offset + 4 <= this.end - this.start) || !Number.isInteger(offset)) {
      throw new NngError("EINVAL", `no u32 at offset ${offset}`);
    }
    return readU32(this.buf, this.start + offset);
  }
}

/** The header of every message that never had one; only read, never written. */
const NO_HEADER = new Chunk(EMPTY, 0, 0, false);

/**
 * A message (nng_msg): a header, used by protocols for routing information, and a body.
 * Views returned by `body` and `header` are invalidated by any later mutation. Writing through such a
 * view bypasses copy-on-write: after `dup` or `wrap` it also changes the sharers' bytes.
 */
export class Message {
  /** Id of the pipe the message came from or is routed to; 0 = none. */
  pipe = 0;
  /** NO_HEADER (shared, never written) until the header is first written: most messages have none. */
  private h: Chunk = NO_HEADER;
  private readonly b: Chunk;

  /** `body` as a number makes a zero-filled body of that size; bytes are copied. */
  constructor(body?: Bytes | number) {
    if (body === undefined) {
      this.b = new Chunk(EMPTY, 0, 0, false);
    } else if (typeof body === "number") {
      checkCount(body, Number.MAX_SAFE_INTEGER, "size");
      this.b = new Chunk(alloc(HEADROOM + body), HEADROOM, HEADROOM + body, true);
    } else if (typeof body === "string") {
      if (body.length * 3 <= MAX_POOLED - HEADROOM) {
        // UTF-8 takes at most 3 bytes per UTF-16 unit.
        const buf = alloc(HEADROOM + body.length * 3);
        const n = encoder.encodeInto(body, buf.subarray(HEADROOM)).written;
        this.b = new Chunk(buf, HEADROOM, HEADROOM + n, true);
      } else {
        // encode() returns a fresh array: adopt it rather than copying (no headroom, grown on insert).
        const bytes = encoder.encode(body);
        this.b = new Chunk(bytes, 0, bytes.length, true);
      }
    } else {
      const buf = alloc(HEADROOM + body.length);
      buf.set(body, HEADROOM);
      this.b = new Chunk(buf, HEADROOM, buf.length, true);
    }
  }

  /** A message whose body is a view on `bytes`, without copying; it is copied on its first write. */
  static wrap(bytes: Uint8Array): Message {
    const m = new Message();
    m.b.buf = bytes;
    m.b.end = bytes.length;
    return m;
  }

  /**
   * @internal A message whose body is bytes [start, end) of `bytes`, shared (copied on its first write):
   * like `wrap(bytes.subarray(start, end))` without allocating the view (transports decode frames so).
   */
  static wrapRange(bytes: Uint8Array, start: number, end: number): Message {
    const m = new Message();
    const b = m.b;
    b.buf = bytes;
    b.start = start;
    b.end = end;
    return m;
  }

  /** The body (nng_msg_body): a view, invalidated by the next change to the message. */
  get body(): Uint8Array {
    return this.b.view();
  }

  /**
   * The header (nng_msg_header), where protocols keep routing data (request ids, backtraces): a
   * view, invalidated by the next change to the message.
   */
  get header(): Uint8Array {
    return this.h.view();
  }

  /** The body's length in bytes (nng_msg_len). */
  get length(): number {
    return this.b.end - this.b.start;
  }

  /**
   * @internal Moves the first `n` body bytes to the end of the header (what a receiving protocol does
   * with its own header words). Into an empty header it moves no bytes: both share the storage,
   * copy-on-write.
   */
  bodyToHeader(n: number): void {
    const b = this.b;
    if (!(n >= 0 && n <= b.end - b.start) || !Number.isInteger(n)) tooShort(n);
    if (this.h.end - this.h.start > 0) {
      this.writableHeader().append(b.buf.subarray(b.start, b.start + n));
      b.start += n;
      return;
    }
    const h = this.writableHeader();
    b.owned = false; // the body may no longer write outside its bytes: the header's are there
    h.buf = b.buf;
    h.start = b.start;
    h.end = b.start + n;
    h.owned = false;
    b.start += n;
  }

  /** @internal Copies header then body (the wire form) into `out` at `at`; returns the offset after them. */
  copyTo(out: Uint8Array, at: number): number {
    return this.b.copyTo(out, this.h.copyTo(out, at));
  }

  /** The header's length in bytes (nng_msg_header_len). */
  get headerLength(): number {
    return this.h.end - this.h.start;
  }

  /** Bytes the body can hold without reallocating (equal to the length while it is shared). */
  get capacity(): number {
    return this.b.capacity();
  }

  /** nng_msg_reserve: makes room for a body of `capacity` bytes without changing its length. */
  reserve(capacity: number): void {
    this.b.reserve(capacity);
  }

  /** Sets the body length: new bytes are zero, shrinking drops bytes from the end. */
  realloc(size: number): void {
    this.b.realloc(size);
  }

  /** nng_msg_append: adds bytes (a string as UTF-8) at the end of the body. */
  append(data: Bytes): void {
    this.b.append(toBytes(data));
  }

  /** nng_msg_insert: adds bytes (a string as UTF-8) at the front of the body. */
  insert(data: Bytes): void {
    this.b.insert(toBytes(data));
  }

  /** nng_msg_trim: removes `n` bytes from the front of the body (EINVAL if it is shorter). */
  trim(n: number): void {
    this.b.trim(n);
  }

  /** nng_msg_chop: removes `n` bytes from the end of the body (EINVAL if it is shorter). */
  chop(n: number): void {
    this.b.chop(n);
  }

  /** nng_msg_append_u16: appends `v` as 2 bytes, big-endian. */
  appendU16(v: number): void {
    this.b.appendU16(v);
  }

  /** nng_msg_append_u32: appends `v` as 4 bytes, big-endian. */
  appendU32(v: number): void {
    this.b.appendU32(v);
  }

  /** nng_msg_append_u64: appends `v` as 8 bytes, big-endian (a number must be a safe integer). */
  appendU64(v: bigint | number): void {
    this.b.appendU64(v);
  }

  /** nng_msg_insert_u16: prepends `v` as 2 bytes, big-endian. */
  insertU16(v: number): void {
    this.b.insertU16(v);
  }

  /** nng_msg_insert_u32: prepends `v` as 4 bytes, big-endian. */
  insertU32(v: number): void {
    this.b.insertU32(v);
  }

  /** nng_msg_insert_u64: prepends `v` as 8 bytes, big-endian. */
  insertU64(v: bigint | number): void {
    this.b.insertU64(v);
  }

  /** nng_msg_trim_u16: removes and returns the big-endian u16 at the front (EINVAL if too short). */
  trimU16(): number {
    return this.b.trimU16();
  }

  /** nng_msg_trim_u32: removes and returns the big-endian u32 at the front (EINVAL if too short). */
  trimU32(): number {
    return this.b.trimU32();
  }

  /** nng_msg_trim_u64: removes and returns the big-endian u64 at the front (EINVAL if too short). */
  trimU64(): bigint {
    return this.b.trimU64();
  }

  /** nng_msg_chop_u16: removes and returns the big-endian u16 at the end (EINVAL if too short). */
  chopU16(): number {
    return this.b.chopU16();
  }

  /** nng_msg_chop_u32: removes and returns the big-endian u32 at the end (EINVAL if too short). */
  chopU32(): number {
    return this.b.chopU32();
  }

  /** nng_msg_chop_u64: removes and returns the big-endian u64 at the end (EINVAL if too short). */
  chopU64(): bigint {
    return this.b.chopU64();
  }

  /** nng_msg_header_append: adds bytes at the end of the header. */
  headerAppend(data: Bytes): void {
    this.writableHeader().append(toBytes(data));
  }

  /** nng_msg_header_insert: adds bytes at the front of the header. */
  headerInsert(data: Bytes): void {
    this.writableHeader().insert(toBytes(data));
  }

  /** nng_msg_header_trim: removes `n` bytes from the front of the header (EINVAL if shorter). */
  headerTrim(n: number): void {
    this.h.trim(n);
  }

  /** nng_msg_header_chop: removes `n` bytes from the end of the header (EINVAL if shorter). */
  headerChop(n: number): void {
    this.h.chop(n);
  }

  /** nng_msg_header_append_u16: appends `v` to the header as 2 bytes, big-endian. */
  headerAppendU16(v: number): void {
    this.writableHeader().appendU16(v);
  }

  /** nng_msg_header_append_u32: appends `v` to the header as 4 bytes, big-endian. */
  headerAppendU32(v: number): void {
    this.writableHeader().appendU32(v);
  }

  /** nng_msg_header_append_u64: appends `v` to the header as 8 bytes, big-endian. */
  headerAppendU64(v: bigint | number): void {
    this.writableHeader().appendU64(v);
  }

  /** nng_msg_header_insert_u16: prepends `v` to the header as 2 bytes, big-endian. */
  headerInsertU16(v: number): void {
    this.writableHeader().insertU16(v);
  }

  /** nng_msg_header_insert_u32: prepends `v` to the header as 4 bytes, big-endian. */
  headerInsertU32(v: number): void {
    this.writableHeader().insertU32(v);
  }

  /** nng_msg_header_insert_u64: prepends `v` to the header as 8 bytes, big-endian. */
  headerInsertU64(v: bigint | number): void {
    this.writableHeader().insertU64(v);
  }

  /** nng_msg_header_trim_u16: removes and returns the header's leading big-endian u16. */
  headerTrimU16(): number {
    return this.h.trimU16();
  }

  /** nng_msg_header_trim_u32: removes and returns the header's leading big-endian u32. */
  headerTrimU32(): number {
    return this.h.trimU32();
  }

  /** nng_msg_header_trim_u64: removes and returns the header's leading big-endian u64. */
  headerTrimU64(): bigint {
    return this.h.trimU64();
  }

  /** nng_msg_header_chop_u16: removes and returns the header's trailing big-endian u16. */
  headerChopU16(): number {
    return this.h.chopU16();
  }

  /** nng_msg_header_chop_u32: removes and returns the header's trailing big-endian u32. */
  headerChopU32(): number {
    return this.h.chopU32();
  }

  /** nng_msg_header_chop_u64: removes and returns the header's trailing big-endian u64. */
  headerChopU64(): bigint {
    return this.h.chopU64();
  }

  /** nng_msg_clear: empties the body (the header is kept). */
  clear(): void {
    this.b.clear();
  }

  /** nng_msg_header_clear: empties the header. */
  headerClear(): void {
    if (this.h !== NO_HEADER) this.h.clear();
  }

  private writableHeader(): Chunk {
    if (this.h === NO_HEADER) this.h = new Chunk(EMPTY, 0, 0, false);
    return this.h;
  }

  /** An independent copy (header, body, pipe) in O(1): storage is shared copy-on-write. */
  dup(): Message {
    const m = new Message();
    if (this.h !== NO_HEADER) this.h.shareInto(m.writableHeader());
    this.b.shareInto(m.b);
    m.pipe = this.pipe;
    return m;
  }

  /** The body decoded as UTF-8. */
  text(): string {
    return decoder.decode(this.b.view());
  }

  /** Internal fast path used by protocols: the u32 big-endian at `offset` of the body, without removing it. */
  peekU32(offset = 0): number {
    return this.b.peekU32(offset);
  }

  /** Like peekU32, on the header. */
  headerPeekU32(offset = 0): number {
    return this.h.peekU32(offset);
  }
}
