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
 * A context (nng_ctx): an independent protocol state on a socket, opened with
 * `socket.openContext()` for req, rep, surveyor, respondent and sub. Each has its own request,
 * survey or subscriptions and its own `send-timeout`/`recv-timeout`, so one socket can serve many
 * concurrent exchanges (a rep server with one context per in-flight request). Closing a context
 * ends only its own pending operations, with ECLOSED; closing the socket closes every context.
 */
export class Context {
  private isClosed = false;

  /** @internal use `socket.openContext()` */
  constructor(
    private readonly owner: ContextOwner,
    private readonly ctx: ProtocolContext,
  ) {}

  /**
   * nng_ctx_send: like `Socket.sendAio`, within this context (a req context sends its request,
   * a rep context replies to the request it last received). Completes when the socket accepted the
   * message, which it then owns; on failure it stays on the aio. Errors: ECLOSED, ECANCELED,
   * ETIMEDOUT, ESTATE (rep context with no request), EINVAL (no message).
   */
  sendAio(aio: Aio): void {
    if (this.isClosed || this.owner.closed) return failAio(aio, new NngError("ECLOSED"));
    if (!aio.msg) return failAio(aio, new NngError("EINVAL", "no message on the aio"));
    this.ctx.send(aio);
  }

  /**
   * nng_ctx_recv: like `Socket.recvAio`, within this context (a req context receives the reply to
   * its request, ESTATE before any). The message then belongs to the caller.
   */
  recvAio(aio: Aio): void {
    if (this.isClosed || this.owner.closed) return failAio(aio, new NngError("ECLOSED"));
    this.ctx.recv(aio);
  }

  /** The Promise form of `sendAio`: resolves once the socket accepted the message. */
  send(data: Bytes | Message, options?: OperationOptions): Promise<void> {
    return runSend((aio) => this.sendAio(aio), data, options);
  }

  /** The Promise form of `recvAio`: resolves with the received message. */
  recv(options?: OperationOptions): Promise<Message> {
    return runRecv((aio) => this.recvAio(aio), options);
  }

  /**
   * nng_ctx_get: `recv-timeout`, `send-timeout` and the protocol's context options (e.g.
   * `req:resend-time`, `surveyor:survey-time`, `sub:prefnew`). Throws ENOTSUP for others, ECLOSED.
   */
  getOption(name: string): OptionValue {
    if (this.isClosed) throw new NngError("ECLOSED");
    const v = this.ctx.getOption(name);
    if (v === undefined) throw new NngError("ENOTSUP", name);
    return v;
  }

  /**
   * nng_ctx_set: sets a context option (a sub context takes `sub:subscribe`/`sub:unsubscribe`).
   * Throws ENOTSUP, EBADTYPE, EINVAL, ECLOSED like `Socket.setOption`.
   */
  setOption(name: string, value: OptionValue): void {
    if (this.isClosed) throw new NngError("ECLOSED");
    const spec = CONTEXT_TIMEOUTS.find((o) => o.name === name) ?? this.ctx.options?.find((o) => o.name === name);
    const v = spec ? checkOption(spec, value) : value;
    if (!this.ctx.setOption(name, v)) throw new NngError("ENOTSUP", name);
  }

  /** nng_ctx_close: ends this context's pending operations with ECLOSED. Safe to call twice. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.ctx.close();
  }

  /** `using ctx = socket.openContext()`: the same as `close()`. */
  [Symbol.dispose](): void {
    this.close();
  }
}
