import { NngError } from "../core/errors.js";
import type { Message } from "../core/message.js";
import type { OptionValue, SockAddr } from "../core/options.js";
import type { Connection, ConnectionHandler } from "../transport/transport.js";
import type { PipeStatsSnapshot } from "./stats.js";

/**
 * Pipe events (nng_pipe_ev): `add-pre` after the handshake, before the protocol uses the pipe
 * (closing it then refuses the peer); `add-post` once attached; `rem-post` after it closed.
 */
export type PipeEvent = "add-pre" | "add-post" | "rem-post";

/** What a pipe reports to its socket. */
export interface PipeOwner {
  pipeMessage(pipe: Pipe, msg: Message): void;
  pipeWritable(pipe: Pipe): void;
  pipeClosed(pipe: Pipe, err: NngError): void;
}

/** Per-pipe counters. */
export interface PipeStats {
  /** Messages sent. */
  txMsgs: number;
  /** Bytes sent (header and body). */
  txBytes: number;
  /** Messages received. */
  rxMsgs: number;
  /** Bytes received. */
  rxBytes: number;
}

let lastPipeId = 0;

/** Pipe ids are unique in the process, never 0, and keep bit 31 clear (raw rep puts them in headers). */
function nextPipeId(): number {
  lastPipeId = lastPipeId >= 0x7fffffff ? 1 : lastPipeId + 1;
  return lastPipeId;
}

/**
 * A pipe (nng_pipe): the socket's view of one connection to one peer, made by a dialer or a
 * listener. Received messages carry its id in `msg.pipe`; `socket.getPipe(id)` finds it. Closing it
 * (nng_pipe_close) drops the connection; a dialer's pipe is then redialed.
 */
export class Pipe implements ConnectionHandler {
  /** The pipe's id (nng_pipe_id): unique in the process, never 0, bit 31 clear. */
  readonly id = nextPipeId();
  /** Protocol-private state for this pipe. */
  protoData: unknown = null;
  /** Live counters (see {@link PipeStats}). */
  readonly stats: PipeStats = { txMsgs: 0, txBytes: 0, rxMsgs: 0, rxBytes: 0 };
  private isClosed = false;
  private owner: PipeOwner | null = null;

  /** @internal made by the socket for each negotiated connection. */
  constructor(
    private readonly conn: Connection,
    /** The id of the socket that owns it. */
    readonly socketId: number,
    /** The id of the dialer or listener that made it. */
    readonly endpointId: number,
    /** True when a dialer made the pipe, false for a listener. */
    readonly dialer: boolean,
    /** The URL of the dialer or listener that made the pipe. */
    readonly url: string,
  ) {}

  /** The peer's protocol number. */
  get peer(): number {
    return this.conn.peer;
  }

  /** The local address (the `local-address` option). */
  get localAddress(): SockAddr {
    return this.conn.localAddress;
  }

  /** The peer's address (the `remote-address` option). */
  get remoteAddress(): SockAddr {
    return this.conn.remoteAddress;
  }

  /** True once the pipe is closed. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** @internal wires the pipe to its socket and starts receiving. */
  attach(owner: PipeOwner): void {
    this.owner = owner;
    if (!this.isClosed) this.conn.start(this);
  }

  /**
   * For protocols: hands `msg` (which the pipe now owns) to the connection; false when the pipe is
   * now busy, in which case the protocol waits for its `pipeWritable` before sending more.
   */
  send(msg: Message): boolean {
    const stats = this.stats;
    stats.txMsgs++;
    stats.txBytes += msg.headerLength + msg.length;
    return this.conn.send(msg);
  }

  /** Stops reading from the peer (flow control) until `resume`. */
  pause(): void {
    this.conn.pause();
  }

  /** Starts reading again after `pause`. */
  resume(): void {
    this.conn.resume();
  }

  /** Closes the pipe; the socket sees it removed. */
  close(): void {
    // Before attach the connection has nobody to tell, so the pipe marks itself.
    if (!this.owner) this.isClosed = true;
    this.conn.close();
  }

  /**
   * nng_pipe_get: `url`, `peer`, and the transport's pipe options (`local-address`,
   * `remote-address`, `tcp-nodelay`...); undefined when the pipe has no such option.
   */
  getOption(name: string): OptionValue | undefined {
    switch (name) {
      case "url":
        return this.url;
      case "peer":
        return this.conn.peer;
      default:
        return this.conn.getOption(name);
    }
  }

  /** @internal */
  snapshot(): PipeStatsSnapshot {
    return { id: this.id, socket: this.socketId, endpoint: this.endpointId, dialer: this.dialer, url: this.url, peer: this.conn.peer, ...this.stats };
  }

  /** @internal ConnectionHandler */
  received(msg: Message): void {
    const stats = this.stats;
    stats.rxMsgs++;
    stats.rxBytes += msg.length;
    msg.pipe = this.id;
    this.owner!.pipeMessage(this, msg);
  }

  /** @internal ConnectionHandler */
  writable(): void {
    this.owner?.pipeWritable(this);
  }

  /** @internal ConnectionHandler */
  disconnected(err: NngError): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.owner?.pipeClosed(this, err ?? new NngError("ECLOSED"));
  }
}
