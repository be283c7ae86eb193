import { NngError } from "../core/errors.js";
import { Message } from "../core/message.js";

/** Length of the SP header exchanged by stream transports. */
export const SP_HEADER_LENGTH = 8;

/** `00 53 50 00 <proto u16 BE> 00 00`. */
export function spHeader(proto: number): Uint8Array {
  return Uint8Array.of(0, 0x53, 0x50, 0, (proto >> 8) & 0xff, proto & 0xff, 0, 0);
}

/** The peer's protocol number from its SP header; EPROTO when the header is not valid. */
export function parseSpHeader(h: Uint8Array): number {
  if (h.length < SP_HEADER_LENGTH || h[0] !== 0 || h[1] !== 0x53 || h[2] !== 0x50 || h[3] !== 0 || h[6] !== 0 || h[7] !== 0) {
    throw new NngError("EPROTO", "bad SP header");
  }
  return (h[4]! << 8) | h[5]!;
}

/** ipc puts a type byte before each length; this is the only one defined. */
export const IPC_MSG_TYPE = 1;

// Lengths beyond 2^53 cannot be held anyway; anything with a high word this large is refused.
const MAX_HIGH_WORD = 0x1fffff;

/**
 * Cuts a byte stream into SP messages: [type byte (ipc)] u64 BE length, payload.
 * A payload that lies inside one chunk becomes a view on it (no copy); one that spans chunks is
 * gathered as it arrives and joined once, so a hostile length prefix allocates nothing up front.
 * Delivery can be paused between messages; the rest of the chunk waits for `resume`.
 */
export class FrameDecoder {
  private readonly prefixLength: number;
  private prefix = new Uint8Array(9);
  private prefixHave = 0;
  /** Payload length of the frame being gathered, or -1 while reading a prefix. */
  private want = -1;
  private parts: Uint8Array[] = [];
  private have = 0;
  private held: Uint8Array[] = [];
  /** Where the unread part of `held[0]` starts (kept as an offset: no view per pause). */
  private heldOffset = 0;
  private paused = false;
  private failed = false;

  constructor(
    ipc: boolean,
    /** 0: no limit. */
    public maxSize: number,
    private readonly deliver: (msg: Message) => void,
    private readonly fail: (err: NngError) => void,
  ) {
    this.prefixLength = ipc ? 9 : 8;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  pause(): void {
    this.paused = true;
  }

  /** Bytes received but held back while paused. */
  get heldChunks(): number {
    return this.held.length;
  }

  /** Resumes delivery, first of what was held back. */
  resume(): void {
    this.paused = false;
    while (this.held.length > 0 && !this.paused && !this.failed) {
      const off = this.heldOffset;
      this.heldOffset = 0;
      this.consume(this.held.shift()!, off);
    }
  }

  /** Feeds a chunk; the chunk must not be modified afterwards (messages may be views on it). */
  push(chunk: Uint8Array): void {
    if (this.failed) return;
    if (this.paused) this.held.push(chunk);
    else this.consume(chunk, 0);
  }

  private consume(chunk: Uint8Array, off: number): void {
    // node:net hands out Buffers; a plain Uint8Array over the same bytes makes cheaper views.
    if (chunk.constructor !== Uint8Array) chunk = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
    const len = chunk.length;
    while (off < len) {
      if (this.paused) {
        this.held.unshift(chunk);
        this.heldOffset = off;
        return;
      }
      if (this.want < 0) {
        // Fast path: a whole prefix and payload inside this chunk.
        if (this.prefixHave === 0 && len - off >= this.prefixLength) {
          const size = this.readLength(chunk, off);
          if (size < 0) return;
          off += this.prefixLength;
          if (len - off >= size) {
            this.deliver(Message.wrapRange(chunk, off, off + size));
            off += size;
            continue;
          }
          this.want = size;
          continue;
        }
        const n = Math.min(this.prefixLength - this.prefixHave, len - off);
        this.prefix.set(chunk.subarray(off, off + n), this.prefixHave);
        this.prefixHave += n;
        off += n;
        if (this.prefixHave < this.prefixLength) return;
        this.prefixHave = 0;
        const size = this.readLength(this.prefix, 0);
        if (size < 0) return;
        this.want = size;
        if (size === 0) this.finishFrame();
        continue;
      }
      const n = Math.min(this.want - this.have, len - off);
      this.parts.push(chunk.subarray(off, off + n));
      this.have += n;
      off += n;
      if (this.have === this.want) this.finishFrame();
    }
  }

  /** True when the stream ended between frames (a clean close). */
  get atBoundary(): boolean {
    return this.want < 0 && this.prefixHave === 0;
  }

  private finishFrame(): void {
    const parts = this.parts;
    let body: Uint8Array;
    if (parts.length === 1) body = parts[0]!;
    else {
      body = new Uint8Array(this.want);
      let at = 0;
      for (const p of parts) {
        body.set(p, at);
        at += p.length;
      }
    }
    this.parts = [];
    this.have = 0;
    this.want = -1;
    this.deliver(Message.wrap(body));
  }

  private readLength(buf: Uint8Array, at: number): number {
    if (this.prefixLength === 9) {
      if (buf[at] !== IPC_MSG_TYPE) return this.error(new NngError("EPROTO", `bad ipc message type ${buf[at]}`));
      at++;
    }
    const hi = ((buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!) >>> 0;
    const lo = ((buf[at + 4]! << 24) | (buf[at + 5]! << 16) | (buf[at + 6]! << 8) | buf[at + 7]!) >>> 0;
    if (hi > MAX_HIGH_WORD) return this.error(new NngError("EMSGSIZE", "frame length out of range"));
    const size = hi * 0x100000000 + lo;
    if (this.maxSize > 0 && size > this.maxSize) {
      return this.error(new NngError("EMSGSIZE", `frame of ${size} bytes exceeds recv-size-max ${this.maxSize}`));
    }
    return size;
  }

  private error(err: NngError): number {
    this.failed = true;
    this.fail(err);
    return -1;
  }
}

/** Writes the frame prefix for a payload of `size` bytes into `out` at `at`; returns bytes written. */
export function writeFramePrefix(out: Uint8Array, at: number, size: number, ipc: boolean): number {
  let p = at;
  if (ipc) out[p++] = IPC_MSG_TYPE;
  const hi = size > 0xffffffff ? Math.floor(size / 0x100000000) : 0;
  out[p++] = hi >>> 24;
  out[p++] = (hi >>> 16) & 0xff;
  out[p++] = (hi >>> 8) & 0xff;
  out[p++] = hi & 0xff;
  out[p++] = size >>> 24;
  out[p++] = (size >>> 16) & 0xff;
  out[p++] = (size >>> 8) & 0xff;
  out[p++] = size & 0xff;
  return p - at;
}
