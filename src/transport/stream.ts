import type { Socket as NetSocket } from "node:net";
import type { Duplex } from "node:stream";
import { type Deferred, defer } from "../core/defer.js";
import { NngError } from "../core/errors.js";
import type { Message } from "../core/message.js";
import type { OptionValue, SockAddr } from "../core/options.js";
import { FrameDecoder, parseSpHeader, SP_HEADER_LENGTH, spHeader, writeFramePrefix } from "./framing.js";
import type { Connection, ConnectionHandler, EndpointConfig } from "./transport.js";

/** NNG gives the SP handshake this long to finish (the `negotiation-timeout` option overrides it). */
export const NEGOTIATION_TIMEOUT_MS = 10_000;

/** How long a connection's handshakes may take: the endpoint's `negotiation-timeout`, else NNG's 10 s. */
export function negotiationTimeout(config: EndpointConfig): number {
  const v = config.option("negotiation-timeout");
  return typeof v === "number" && v > 0 ? v : NEGOTIATION_TIMEOUT_MS;
}

// Small frames are copied into a shared slab and written together; larger payloads go out as-is.
const SLAB_SIZE = 64 * 1024;
const COPY_LIMIT = 4096;
const FLUSH_AT = 64 * 1024;
// A connection gets its slab with its first small frame: one that never sends (a sub, a pull, an idle
// peer among thousands) holds no 64 KiB of it.
const NO_SLAB = new Uint8Array(0);

/** What a pipe runs on: a net.Socket (tcp, ipc, tls) or any byte Duplex (adopted by socket://). */
export type ByteStream = NetSocket | Duplex;

/** How long a gracefully ended stream may wait for its peer to close before it is destroyed. */
const LINGER_MS = 1000;

export interface StreamInfo {
  readonly ipc: boolean;
  readonly localAddress: SockAddr;
  readonly remoteAddress: SockAddr;
  /** Extra pipe options (tcp-nodelay, ipc peer ids...). */
  readonly options?: (name: string) => OptionValue | undefined;
}

/**
 * Runs the SP handshake on a connected stream: both sides send their 8-byte header at once and
 * read the peer's. `done` gets the connection, or the error (the stream is then destroyed).
 */
export function negotiate(
  sock: ByteStream,
  config: EndpointConfig,
  info: StreamInfo,
  done: (err: NngError | null, conn: Connection | null) => void,
): void {
  const got = new Uint8Array(SP_HEADER_LENGTH);
  let have = 0;
  let finished = false;
  const finish = (err: NngError | null, extra: Uint8Array | null): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    sock.off("data", onData);
    sock.off("error", onError);
    sock.off("close", onClose);
    if (err) {
      sock.destroy();
      done(err, null);
      return;
    }
    let peer: number;
    try {
      peer = parseSpHeader(got);
    } catch (e) {
      sock.destroy();
      done(e as NngError, null);
      return;
    }
    done(null, new StreamConnection(sock, config, info, peer, extra));
  };
  const onData = (chunk: Uint8Array): void => {
    const n = Math.min(SP_HEADER_LENGTH - have, chunk.length);
    got.set(chunk.subarray(0, n), have);
    have += n;
    if (have < SP_HEADER_LENGTH) return;
    sock.pause();
    finish(null, n < chunk.length ? chunk.subarray(n) : null);
  };
  const onError = (e: Error): void => finish(NngError.fromSystem(e), null);
  const onClose = (): void => finish(new NngError("ECONNSHUT", "closed during negotiation"), null);
  const timer = setTimeout(() => finish(new NngError("ETIMEDOUT", "SP negotiation timed out"), null), negotiationTimeout(config));
  sock.on("data", onData);
  sock.on("error", onError);
  sock.on("close", onClose);
  sock.write(spHeader(config.proto));
}

/** A pipe's connection over tcp, ipc or tls: NNG framing, coalesced writes, read flow control. */
export class StreamConnection implements Connection, Deferred {
  readonly localAddress: SockAddr;
  readonly remoteAddress: SockAddr;
  private handler: ConnectionHandler | null = null;
  private readonly decoder: FrameDecoder;
  private readonly ipc: boolean;
  private slab: Uint8Array = NO_SLAB;
  private slabUsed = 0;
  private batchStart = 0;
  private pieces: Uint8Array[] = [];
  private pendingBytes = 0;
  private flushQueued = false;
  private blocked = false;
  /** The owner saw `send` return false and waits for `writable`. */
  private toldBusy = false;
  private closed = false;
  private early: Uint8Array | null;
  private resumeQueued = false;
  /** The stream ended while whole frames were still held back; the pipe closes once they are delivered. */
  private lostWith: NngError | null = null;
  private sentAfterLoss = false;

  constructor(
    private readonly sock: ByteStream,
    config: EndpointConfig,
    private readonly info: StreamInfo,
    readonly peer: number,
    early: Uint8Array | null,
  ) {
    this.ipc = info.ipc;
    this.localAddress = info.localAddress;
    this.remoteAddress = info.remoteAddress;
    this.early = early;
    const max = config.option("recv-size-max");
    this.decoder = new FrameDecoder(
      info.ipc,
      typeof max === "number" ? max : 0,
      (m) => this.handler!.received(m),
      (err) => this.close(err),
    );
    sock.on("error", (e) => this.lost(NngError.fromSystem(e)));
    sock.on("close", () => this.lost(new NngError("ECONNSHUT")));
    sock.on("drain", () => {
      this.blocked = false;
      if (!this.toldBusy || this.closed) return;
      this.toldBusy = false;
      this.handler?.writable();
    });
  }

  start(handler: ConnectionHandler): void {
    this.handler = handler;
    this.sock.on("data", (chunk: Uint8Array) => {
      // Reading stops only once a chunk arrives while the decoder still holds back an earlier one.
      // A chunk of small frames nearly always outgrows recv-buffer, but a consumer that keeps up has
      // taken it all before the next read: pausing the stream per chunk cost a stream pause/resume
      // and two epoll changes every 64 KiB. At most one extra chunk is held this way.
      const holding = this.decoder.isPaused;
      this.decoder.push(chunk);
      if (holding) this.sock.pause();
    });
    const early = this.early;
    this.early = null;
    if (early) this.decoder.push(early);
    if (this.decoder.isPaused || this.closed) return;
    if (this.lostWith) this.close(this.lostWith);
    else this.sock.resume();
  }

  send(msg: Message): boolean {
    if (this.closed) return false;
    if (this.lostWith) {
      // A write into the broken stream: the message is lost and, as NNG's failed write does, it
      // closes the pipe (held frames included), once out of the caller's send path.
      this.sentAfterLoss = true;
      if (!this.resumeQueued) {
        this.resumeQueued = true;
        defer(this);
      }
      return true;
    }
    const headerLength = msg.headerLength;
    const size = headerLength + msg.length;
    const frameLen = size + (this.ipc ? 9 : 8);
    if (frameLen <= COPY_LIMIT) {
      if (this.slabUsed + frameLen > this.slab.length) {
        // Write what the slab holds first: if the kernel takes it all, the slab is reused as is.
        if (this.pendingBytes > 0) this.flush();
        if (this.slabUsed + frameLen > this.slab.length) this.newSlab();
      }
      const at = this.slabUsed + writeFramePrefix(this.slab, this.slabUsed, size, this.ipc);
      this.slabUsed = msg.copyTo(this.slab, at);
    } else {
      // Large payloads go out as they are (vectored with their prefix), never copied.
      this.cutSlab();
      const prefix = new Uint8Array(this.ipc ? 9 : 8);
      writeFramePrefix(prefix, 0, size, this.ipc);
      this.pieces.push(prefix);
      if (headerLength) this.pieces.push(msg.header);
      this.pieces.push(msg.body);
    }
    this.pendingBytes += frameLen;
    if (this.pendingBytes >= FLUSH_AT) this.flush();
    else if (!this.flushQueued) {
      this.flushQueued = true;
      flushLater(this);
    }
    if (!this.blocked) return true;
    this.toldBusy = true;
    return false;
  }

  /** Writes everything batched so far in one corked burst. */
  flush(): void {
    this.flushQueued = false;
    if (this.closed) return;
    const sock = this.sock;
    const pieces = this.pieces;
    let ok: boolean;
    if (pieces.length === 0) {
      // Only small frames: one write of the slab's new bytes (the usual case, and a latency path).
      if (this.slabUsed === this.batchStart) return;
      const batch = this.slab.subarray(this.batchStart, this.slabUsed);
      this.batchStart = this.slabUsed;
      this.pendingBytes = 0;
      ok = sock.write(batch);
    } else {
      this.cutSlab();
      this.pieces = [];
      this.pendingBytes = 0;
      sock.cork();
      ok = true;
      for (const p of pieces) ok = sock.write(p);
      sock.uncork();
    }
    if (!ok) this.blocked = true;
    // The kernel took everything at once (the usual case): nothing refers to the slab any more, so
    // it is refilled from the start instead of a fresh one being allocated every 64 KiB.
    else if (sock.writableLength === 0) this.slabUsed = this.batchStart = 0;
  }

  pause(): void {
    this.decoder.pause();
  }

  resume(): void {
    if (this.closed || !this.decoder.isPaused || this.resumeQueued) return;
    // Deferred so that a protocol resuming a pipe inside its own recv path is not re-entered.
    this.resumeQueued = true;
    defer(this);
  }

  /** @internal the deferred part of `resume`. */
  runDeferred(): void {
    this.resumeQueued = false;
    if (this.closed) return;
    if (this.lostWith && this.sentAfterLoss) return this.close(this.lostWith);
    if (!this.decoder.isPaused) return;
    this.decoder.resume();
    if (this.decoder.isPaused || !this.handler || this.closed) return;
    if (this.lostWith) this.close(this.lostWith);
    else this.sock.resume();
  }

  /**
   * The stream closed or failed. NNG reads what the peer sent before its close, so frames already
   * received but held back by flow control are delivered first; a partial frame is dropped.
   */
  private lost(err: NngError): void {
    if (this.closed || this.lostWith) return;
    if (this.decoder.heldChunks === 0 && this.early === null) {
      this.close(err);
      return;
    }
    this.lostWith = err;
    this.pieces = [];
    this.pendingBytes = 0;
    this.batchStart = this.slabUsed;
  }

  close(err?: NngError): void {
    if (this.closed) return;
    if (!err) this.flush();
    this.closed = true;
    this.pieces = [];
    if (err) this.sock.destroy();
    else {
      this.sock.end();
      // A graceful end still needs the handle released if the peer never closes its side.
      const sock = this.sock;
      if ("setTimeout" in sock) sock.setTimeout(LINGER_MS, () => sock.destroy());
      else {
        const timer = setTimeout(() => sock.destroy(), LINGER_MS);
        sock.once("close", () => clearTimeout(timer));
      }
    }
    this.handler?.disconnected(err ?? new NngError("ECLOSED"));
  }

  getOption(name: string): OptionValue | undefined {
    switch (name) {
      case "local-address":
        return this.localAddress;
      case "remote-address":
        return this.remoteAddress;
      default:
        return this.info.options?.(name);
    }
  }

  private cutSlab(): void {
    if (this.slabUsed > this.batchStart) {
      this.pieces.push(this.slab.subarray(this.batchStart, this.slabUsed));
      this.batchStart = this.slabUsed;
    }
  }

  private newSlab(): void {
    this.cutSlab();
    // The old slab is still referenced by queued writes; never reuse it.
    this.slab = new Uint8Array(SLAB_SIZE);
    this.slabUsed = 0;
    this.batchStart = 0;
  }
}

// The connections with frames waiting for the end of this turn: one nextTick flushes them all
// (a push spreading over 100 pulls queued 100 ticks otherwise).
let dirty: StreamConnection[] = [];
let tickQueued = false;

function flushLater(conn: StreamConnection): void {
  dirty.push(conn);
  if (!tickQueued) {
    tickQueued = true;
    process.nextTick(endOfTurn);
  }
}

function endOfTurn(): void {
  tickQueued = false;
  const conns = dirty;
  dirty = [];
  // A connection flushed on its own meanwhile (64 KiB batched) has nothing left: flush() is a no-op.
  for (const c of conns) c.flush();
}
