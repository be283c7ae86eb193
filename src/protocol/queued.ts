import type { Aio } from "../core/aio.js";
import { NngError } from "../core/errors.js";
import type { Message } from "../core/message.js";
import type { OptionValue } from "../core/options.js";
import type { Pipe } from "../socket/pipe.js";
import type { Protocol, ProtocolHost, ProtocolOption } from "../socket/protocol.js";
import { RecvQueue } from "./recv-queue.js";
import { SendQueue } from "./send-queue.js";

export const BUFFER_OPTIONS: readonly ProtocolOption[] = [
  { name: "recv-buffer", kind: "int", min: 0, max: 8192, default: 0 },
  { name: "send-buffer", kind: "int", min: 0, max: 8192, default: 0 },
];

/** Ends an aio at once with `err`. */
export function refuse(aio: Aio, err: NngError): void {
  aio.begin(null, -1);
  aio.finish(err);
}

/**
 * The shape shared by pair and pipeline protocols: outgoing messages load-balanced over ready
 * pipes, incoming ones fair-queued into one bounded receive queue. Subclasses decide which
 * directions exist, which pipes to accept and what header to add or strip.
 */
export abstract class QueuedProtocol implements Protocol {
  readonly options: readonly ProtocolOption[] = BUFFER_OPTIONS;
  protected readonly sendQ: SendQueue;
  protected readonly recvQ: RecvQueue;
  // Read only when an operation has to wait, and cached: an option lookup per message showed in profiles.
  private sendTimeoutValue: number | undefined;
  private recvTimeoutValue: number | undefined;
  private readonly sendTimeout = (): number => (this.sendTimeoutValue ??= this.host.option("send-timeout") as number);
  private readonly recvTimeout = (): number => (this.recvTimeoutValue ??= this.host.option("recv-timeout") as number);

  constructor(
    protected readonly host: ProtocolHost,
    private readonly canSend: boolean,
    private readonly canRecv: boolean,
    prepare: ((msg: Message) => void) | null = null,
  ) {
    this.sendQ = new SendQueue(0, prepare);
    this.recvQ = new RecvQueue(0);
  }

  addPipe(pipe: Pipe): boolean {
    if (this.canSend) this.sendQ.pipeReady(pipe);
    return true;
  }

  removePipe(pipe: Pipe): void {
    this.sendQ.removePipe(pipe);
    this.recvQ.removePipe(pipe);
  }

  pipeMessage(pipe: Pipe, msg: Message): void {
    if (this.canRecv) this.recvQ.deliver(msg, pipe);
  }

  pipeWritable(pipe: Pipe): void {
    if (this.canSend) this.sendQ.pipeReady(pipe);
  }

  send(aio: Aio): void {
    if (!this.canSend) return refuse(aio, new NngError("ENOTSUP", "this protocol cannot send"));
    this.sendQ.send(aio, this.sendTimeout);
  }

  recv(aio: Aio): void {
    if (!this.canRecv) return refuse(aio, new NngError("ENOTSUP", "this protocol cannot receive"));
    this.recvQ.recv(aio, this.recvTimeout);
  }

  getOption(_name: string): OptionValue | undefined {
    return undefined;
  }

  optionChanged(name: string, value: OptionValue): void {
    if (name === "send-timeout") this.sendTimeoutValue = undefined;
    else if (name === "recv-timeout") this.recvTimeoutValue = undefined;
    else if (name === "recv-buffer") this.recvQ.setCapacity(value as number);
    else if (name === "send-buffer") this.sendQ.setCapacity(value as number);
  }

  close(): void {
    this.sendQ.close();
    this.recvQ.close();
  }
}
