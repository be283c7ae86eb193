import { NngError } from "../core/errors.js";
import type { Message } from "../core/message.js";
import type { OptionValue, SockAddr } from "../core/options.js";
import type { Connection, ConnectionHandler } from "../transport/transport.js";
import type { PipeStatsSnapshot } from "./stats.js";

export type PipeEvent = "add-pre" | "add-post" | "rem-post";

/** What a pipe reports to its socket. */
export interface PipeOwner {
  pipeMessage(pipe: Pipe, msg: Message): void;
  pipeWritable(pipe: Pipe): void;
  pipeClosed(pipe: Pipe, err: NngError): void;
}

/** Per-pipe counters. */
export interface PipeStats {
  txMsgs: number;
  txBytes: number;
  rxMsgs: number;
  rxBytes: number;
}

let lastPipeId = 0;

/** Pipe ids are unique in the process, never 0, and keep bit 31 clear (raw rep puts them in headers). */
function nextPipeId(): number {
  lastPipeId = lastPipeId >= 0x7fffffff ? 1 : lastPipeId + 1;
  return lastPipeId;
}

/** The socket's view of one connection to one peer. */
export class Pipe implements ConnectionHandler {
  readonly id = nextPipeId();
  /** Protocol-private state for this pipe. */
  protoData: unknown = null;
  readonly stats: PipeStats = { txMsgs: 0, txBytes: 0, rxMsgs: 0, rxBytes: 0 };
  private isClosed = false;
  private owner: PipeOwner | null = null;

  constructor(
    private readonly conn: Connection,
    /** The id of the socket that owns it. */
    readonly socketId: number,
    /** The id of the dialer or listener that made it. */
    readonly endpointId: number,
    readonly dialer: boolean,
    readonly url: string,
  ) {}

  /** The peer's protocol number. */
  get peer(): number {
    return this.conn.peer;
  }

  get localAddress(): SockAddr {
    return this.conn.localAddress;
  }

  get remoteAddress(): SockAddr {
    return this.conn.remoteAddress;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** @internal wires the pipe to its socket and starts receiving. */
  attach(owner: PipeOwner): void {
    this.owner = owner;
    if (!this.isClosed) this.conn.start(this);
  }

  /** Hands a message to the connection; false when the pipe is now busy. */
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

  resume(): void {
    this.conn.resume();
  }

  /** Closes the pipe; the socket sees it removed. */
  close(): void {
    // Before attach the connection has nobody to tell, so the pipe marks itself.
    if (!this.owner) this.isClosed = true;
    this.conn.close();
  }

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
