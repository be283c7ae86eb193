import type { Aio } from "../core/aio.js";
import type { OptionSpec, OptionValue } from "../core/options.js";
import type { Pipe } from "./pipe.js";

/** A protocol's identity on the wire (see PROTOCOLS.md). */
export interface ProtocolInfo {
  /** The protocol's 16-bit number (major * 16 + minor), sent in the SP header, e.g. 0x30 for req. */
  readonly id: number;
  /** The protocol's name, e.g. "req". */
  readonly name: string;
  /** The number of the protocol it talks to, e.g. 0x31 (rep) for req. */
  readonly peerId: number;
  /** The peer protocol's name, e.g. "rep". */
  readonly peerName: string;
}

/** An option a protocol serves, with its default. */
export interface ProtocolOption extends OptionSpec {
  /** The value a new socket starts with. */
  readonly default?: OptionValue;
}

/** What a protocol sees of the socket that owns it. */
export interface ProtocolHost {
  /** True for a raw socket: pass headers untouched, keep no protocol state. */
  readonly raw: boolean;
  /** The socket's current value of an option. */
  option(name: string): OptionValue | undefined;
  /** Counts a protocol event in the socket's statistics (drops, rejects...). */
  count(stat: string, n?: number): void;
}

/** Per-context operations (protocols with contexts) — the socket's own default context is one too. */
export interface ProtocolContext {
  /** Options the context validates through the socket layer (besides recv/send-timeout). */
  readonly options?: readonly ProtocolOption[];
  /** Starts a send of `aio.msg` in this context (same contract as `Socket.sendAio`). */
  send(aio: Aio): void;
  /** Starts a receive in this context (same contract as `Socket.recvAio`). */
  recv(aio: Aio): void;
  /** The context's value of an option, or undefined when it is not the context's. */
  getOption(name: string): OptionValue | undefined;
  /** Returns false when the option is not the context's. */
  setOption(name: string, value: OptionValue): boolean;
  /** Ends this context's pending operations with ECLOSED. */
  close(): void;
}

/**
 * A protocol instance, one per socket. The socket validates options by `options` before calling
 * `setOption`, checks the peer's protocol number, and routes pipe traffic here.
 */
export interface Protocol {
  /** The protocol's own options (validated by the socket, then passed to `optionChanged`). */
  readonly options: readonly ProtocolOption[];
  /** Attaches a pipe; false rejects it (e.g. pair already has its peer). */
  addPipe(pipe: Pipe): boolean;
  /** A pipe closed: drop it and anything queued for it; operations waiting on it fail or move on. */
  removePipe(pipe: Pipe): void;
  /** A message arrived on a pipe (body = protocol header + payload). */
  pipeMessage(pipe: Pipe, msg: import("../core/message.js").Message): void;
  /** A pipe that was busy can take messages again. */
  pipeWritable(pipe: Pipe): void;
  /**
   * Starts a send of `aio.msg` on the socket's default context: on success set `aio.msg = null`
   * (the protocol owns it) and `aio.finish(0)`; on failure leave the message on the aio.
   */
  send(aio: Aio): void;
  /** Starts a receive on the default context: put the message on `aio.msg`, then `aio.finish(0)`. */
  recv(aio: Aio): void;
  /** Current value of one of `options` that the protocol computes itself, or undefined. */
  getOption(name: string): OptionValue | undefined;
  /** Called after the socket validated and stored a new value for one of `options` (or a socket option). */
  optionChanged(name: string, value: OptionValue): void;
  /** Opens an independent context; protocols without contexts leave this out (ENOTSUP). */
  openContext?(): ProtocolContext;
  /** Ends every pending operation with ECLOSED. */
  close(): void;
}

/**
 * A protocol as a socket class uses it: `new Socket(factory)` creates one protocol instance per
 * socket. Each protocol module (e.g. `protocol/req0.ts`) exports one.
 */
export interface ProtocolFactory {
  /** The protocol's identity on the wire. */
  readonly info: ProtocolInfo;
  /** Creates the protocol instance of one socket. */
  create(host: ProtocolHost): Protocol;
}
