import type { Aio } from "../core/aio.js";
import { NngError } from "../core/errors.js";
import type { Bytes, Message } from "../core/message.js";
import { checkOption, type OptionValue } from "../core/options.js";
import type { ProtocolContext } from "./protocol.js";
import { failAio, type OperationOptions, runRecv, runSend } from "./promise-ops.js";

/** The socket as a context sees it (avoids a cycle with socket.ts). */
interface ContextOwner {
  readonly closed: boolean;
}

const CONTEXT_TIMEOUTS = [
  { name: "recv-timeout", kind: "ms" as const },
  { name: "send-timeout", kind: "ms" as const },
];

/**
 * An independent protocol state on a socket (nng_ctx): its own request, survey or
 * subscriptions, its own timeouts; closing it ends only its own operations (ECLOSED).
 */
export class Context {
  private isClosed = false;

  /** @internal use `socket.openContext()` */
  constructor(
    private readonly owner: ContextOwner,
    private readonly ctx: ProtocolContext,
  ) {}

  sendAio(aio: Aio): void {
    if (this.isClosed || this.owner.closed) return failAio(aio, new NngError("ECLOSED"));
    if (!aio.msg) return failAio(aio, new NngError("EINVAL", "no message on the aio"));
    this.ctx.send(aio);
  }

  recvAio(aio: Aio): void {
    if (this.isClosed || this.owner.closed) return failAio(aio, new NngError("ECLOSED"));
    this.ctx.recv(aio);
  }

  send(data: Bytes | Message, options?: OperationOptions): Promise<void> {
    return runSend((aio) => this.sendAio(aio), data, options);
  }

  recv(options?: OperationOptions): Promise<Message> {
    return runRecv((aio) => this.recvAio(aio), options);
  }

  getOption(name: string): OptionValue {
    if (this.isClosed) throw new NngError("ECLOSED");
    const v = this.ctx.getOption(name);
    if (v === undefined) throw new NngError("ENOTSUP", name);
    return v;
  }

  setOption(name: string, value: OptionValue): void {
    if (this.isClosed) throw new NngError("ECLOSED");
    const spec = CONTEXT_TIMEOUTS.find((o) => o.name === name) ?? this.ctx.options?.find((o) => o.name === name);
    const v = spec ? checkOption(spec, value) : value;
    if (!this.ctx.setOption(name, v)) throw new NngError("ENOTSUP", name);
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.ctx.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
