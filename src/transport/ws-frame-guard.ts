// Reads only the frame headers of an incoming WebSocket byte stream, beside the real decoder,
// to enforce what the `ws` package does not: NNG's per-frame limit (ws:rxframe-max -> 1009)
// and "TEXT closes with 1003" before any UTF-8 handling.
import { WS_CLOSE } from "./ws-common.js";

const OP_TEXT = 0x1;
const OP_CLOSE = 0x8;

export class FrameGuard {
  private readonly head = new Uint8Array(14);
  private have = 0;
  private need = 2;
  /** Payload bytes of the current frame still to pass by. */
  private skip = 0;
  private stopped = false;

  constructor(
    /** 0: no limit. */
    private readonly rxFrameMax: number,
    private readonly violation: (code: number, why: string) => void,
  ) {}

  /** Looks at the next bytes of the stream (never modifies them). */
  push(chunk: Uint8Array): void {
    let off = 0;
    const len = chunk.length;
    while (off < len && !this.stopped) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, len - off);
        this.skip -= n;
        off += n;
        continue;
      }
      const n = Math.min(this.need - this.have, len - off);
      this.head.set(chunk.subarray(off, off + n), this.have);
      this.have += n;
      off += n;
      if (this.have < this.need) return;
      if (this.have === 2) {
        const b1 = this.head[1]!;
        const len7 = b1 & 0x7f;
        this.need = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
        if (this.need > 2) continue;
      }
      this.frameHeader();
    }
  }

  private frameHeader(): void {
    const h = this.head;
    const op = h[0]! & 0x0f;
    const len7 = h[1]! & 0x7f;
    let size: number;
    if (len7 === 126) size = (h[2]! << 8) | h[3]!;
    else if (len7 === 127) size = u32(h, 2) * 2 ** 32 + u32(h, 6);
    else size = len7;
    this.have = 0;
    this.need = 2;
    this.skip = size;
    if (op === OP_TEXT) return this.stop(WS_CLOSE.UNSUPPORTED_DATA, "TEXT frame");
    if (op === OP_CLOSE) return this.stop(0, "");
    if (op < 0x8 && this.rxFrameMax > 0 && size > this.rxFrameMax) {
      return this.stop(WS_CLOSE.TOO_BIG, `frame of ${size} bytes exceeds ws:rxframe-max ${this.rxFrameMax}`);
    }
  }

  private stop(code: number, why: string): void {
    this.stopped = true;
    // A close frame ends the stream: nothing after it is ours to judge.
    if (code !== 0) this.violation(code, why);
  }
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}
