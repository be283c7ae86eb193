// NNG's stream framing with nothing else: the 8-byte SP header exchange and [ipc type byte] u64 BE
// length prefixes. The ceiling that a Node implementation of the wire protocol can reach.
import type { Socket as NetSocket } from "node:net";

const SP_HEADER_LENGTH = 8;
// Same batching as nngts' stream connection: small frames are copied into a slab, large payloads
// go out as their own buffers, and one corked burst is written per 64 KiB (or per tick).
const SLAB_SIZE = 64 * 1024;
const COPY_LIMIT = 4096;
export const FLUSH_AT = 64 * 1024;

/** `00 53 50 00 <proto u16 BE> 00 00` */
export function spHeader(proto: number): Uint8Array {
  return Uint8Array.of(0, 0x53, 0x50, 0, proto >> 8, proto & 0xff, 0, 0);
}

/** Sends our SP header and reads the peer's; resolves with whatever arrived after it. */
export function handshake(sock: NetSocket, proto: number): Promise<Uint8Array | null> {
  return new Promise((resolve, reject) => {
    const got = new Uint8Array(SP_HEADER_LENGTH);
    let have = 0;
    const onData = (chunk: Uint8Array): void => {
      const n = Math.min(SP_HEADER_LENGTH - have, chunk.length);
      got.set(chunk.subarray(0, n), have);
      have += n;
      if (have < SP_HEADER_LENGTH) return;
      sock.off("data", onData);
      sock.off("error", reject);
      sock.pause();
      if (got[1] !== 0x53 || got[2] !== 0x50) return reject(new Error("bad SP header"));
      resolve(n < chunk.length ? chunk.subarray(n) : null);
    };
    sock.on("data", onData);
    sock.on("error", reject);
    sock.write(spHeader(proto));
  });
}

/** Cuts the byte stream into frame payloads: views on the chunk when a frame lies inside one. */
export class FrameCutter {
  private readonly prefixLength: number;
  private readonly prefix = new Uint8Array(9);
  private prefixHave = 0;
  private want = -1;
  private parts: Uint8Array[] = [];
  private have = 0;

  constructor(
    ipc: boolean,
    private readonly onFrame: (payload: Uint8Array) => void,
  ) {
    this.prefixLength = ipc ? 9 : 8;
  }

  push(chunk: Uint8Array): void {
    const len = chunk.length;
    const pl = this.prefixLength;
    let off = 0;
    while (off < len) {
      if (this.want < 0) {
        if (this.prefixHave === 0 && len - off >= pl) {
          const size = readLength(chunk, off + pl - 8);
          off += pl;
          if (len - off >= size) {
            this.onFrame(chunk.subarray(off, off + size));
            off += size;
          } else this.want = size;
          continue;
        }
        const n = Math.min(pl - this.prefixHave, len - off);
        this.prefix.set(chunk.subarray(off, off + n), this.prefixHave);
        this.prefixHave += n;
        off += n;
        if (this.prefixHave < pl) return;
        this.prefixHave = 0;
        this.want = readLength(this.prefix, pl - 8);
        if (this.want === 0) this.finish();
        continue;
      }
      const n = Math.min(this.want - this.have, len - off);
      this.parts.push(chunk.subarray(off, off + n));
      this.have += n;
      off += n;
      if (this.have === this.want) this.finish();
    }
  }

  private finish(): void {
    const parts = this.parts;
    let payload: Uint8Array;
    if (parts.length === 1) payload = parts[0]!;
    else {
      payload = new Uint8Array(this.want);
      let at = 0;
      for (const p of parts) {
        payload.set(p, at);
        at += p.length;
      }
    }
    this.parts = [];
    this.have = 0;
    this.want = -1;
    this.onFrame(payload);
  }
}

function readLength(b: Uint8Array, at: number): number {
  const hi = ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
  const lo = ((b[at + 4]! << 24) | (b[at + 5]! << 16) | (b[at + 6]! << 8) | b[at + 7]!) >>> 0;
  return hi * 0x100000000 + lo;
}

function writePrefix(out: Uint8Array, at: number, size: number, ipc: boolean): number {
  if (ipc) out[at++] = 1;
  out.fill(0, at, at + 4); // payloads here are < 4 GiB
  out[at + 4] = size >>> 24;
  out[at + 5] = size >>> 16;
  out[at + 6] = size >>> 8;
  out[at + 7] = size;
  return ipc ? 9 : 8;
}

/** Frames payloads into batches written with one corked burst. */
export class FrameWriter {
  private slab = new Uint8Array(SLAB_SIZE);
  private used = 0;
  private batchStart = 0;
  private pieces: Uint8Array[] = [];
  /** bytes framed and not yet written */
  pending = 0;

  constructor(
    private readonly sock: NetSocket,
    private readonly ipc: boolean,
  ) {}

  add(payload: Uint8Array): void {
    const frameLen = payload.length + (this.ipc ? 9 : 8);
    if (frameLen <= COPY_LIMIT) {
      if (this.used + frameLen > this.slab.length) {
        this.cut();
        this.slab = new Uint8Array(SLAB_SIZE); // the old one may still be queued for writing
        this.used = this.batchStart = 0;
      }
      const at = this.used + writePrefix(this.slab, this.used, payload.length, this.ipc);
      this.slab.set(payload, at);
      this.used = at + payload.length;
    } else {
      this.cut();
      const prefix = new Uint8Array(this.ipc ? 9 : 8);
      writePrefix(prefix, 0, payload.length, this.ipc);
      this.pieces.push(prefix, payload);
    }
    this.pending += frameLen;
  }

  /** Writes the batch; false when the socket asks to wait for "drain". */
  flush(): boolean {
    this.cut();
    const pieces = this.pieces;
    if (pieces.length === 0) return true;
    this.pieces = [];
    this.pending = 0;
    let ok = true;
    if (pieces.length === 1) return this.sock.write(pieces[0]!);
    this.sock.cork();
    for (const p of pieces) ok = this.sock.write(p);
    this.sock.uncork();
    return ok;
  }

  private cut(): void {
    if (this.used > this.batchStart) {
      this.pieces.push(this.slab.subarray(this.batchStart, this.used));
      this.batchStart = this.used;
    }
  }
}
