import type { Aio } from "../core/aio.js";
import type { OptionSpec, OptionValue } from "../core/options.js";
import type { Pipe } from "./pipe.js";

/** A protocol's identity on the wire (see PROTOCOLS.md). */
export interface ProtocolInfo {
  readonly id: number;
  readonly name: string;
  readonly peerId: number;
  readonly peerName: string;
}

/** An option a protocol serves, with its default. */
export interface ProtocolOption extends OptionSpec {
  readonly default?: OptionValue;
}

/** What a protocol sees of the socket that owns it. */
export interface ProtocolHost {
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
  send(aio: Aio): void;
  recv(aio: Aio): void;
  getOption(name: string): OptionValue | undefined;
  /** Returns false when the option is not the context's. */
  setOption(name: string, value: OptionValue): boolean;
  close(): void;
}

/**
 * A protocol instance, one per socket. The socket validates options by `options` before calling
 * `setOption`, checks the peer's protocol number, and routes pipe traffic here.
 */
export interface Protocol {
  readonly options: readonly ProtocolOption[];
  /** Attaches a pipe; false rejects it (e.g. pair already has its peer). */
  addPipe(pipe: Pipe): boolean;
  removePipe(pipe: Pipe): void;
  /** A message arrived on a pipe (body = protocol header + payload). */
  pipeMessage(pipe: Pipe, msg: import("../core/message.js").Message): void;
  /** A pipe that was busy can take messages again. */
  pipeWritable(pipe: Pipe): void;
  send(aio: Aio): void;
  recv(aio: Aio): void;
  /** Current value of one of `options` that the protocol computes itself, or undefined. */
  getOption(name: string): OptionValue | undefined;
  /** Called after the socket validated and stored a new value for one of `options` (or a socket option). */
  optionChanged(name: string, value: OptionValue): void;
  openContext?(): ProtocolContext;
  /** Ends every pending operation with ECLOSED. */
  close(): void;
}

export interface ProtocolFactory {
  readonly info: ProtocolInfo;
  create(host: ProtocolHost): Protocol;
}
