import { type Aio, effectiveTimeout } from "../core/aio.js";
import { NngError, type NngErrorCode } from "../core/errors.js";
import type { Message } from "../core/message.js";
import { checkOption, type OptionValue } from "../core/options.js";
import { Ring } from "../core/queue.js";
import type { Pipe } from "../socket/pipe.js";
import type { Protocol, ProtocolContext, ProtocolFactory, ProtocolHost, ProtocolOption } from "../socket/protocol.js";
import { TTL_OPTION } from "./backtrace.js";
import { type Linked, LinkQueue } from "./link-queue.js";
import { BUFFER_OPTIONS, QueuedProtocol, refuse } from "./queued.js";

/** `req:resend-time`: resend a request not answered after this many ms; <= 0 never resends. */
export const RESEND_TIME_OPTION: ProtocolOption = { name: "req:resend-time", kind: "ms", default: 60_000 };

const REQ_OPTIONS: readonly ProtocolOption[] = [...BUFFER_OPTIONS, TTL_OPTION, RESEND_TIME_OPTION];
const RAW_REQ_OPTIONS: readonly ProtocolOption[] = [...BUFFER_OPTIONS, TTL_OPTION];

const ID_FIRST = 0x80000000;
const ID_LAST = 0xffffffff;
// Request ids (bit 31 set) are not small integers for V8; the map is keyed by their low 30 bits,
// which are unique among outstanding requests (allocId skips taken keys; a reply's full id is checked).
const KEY_MASK = 0x3fffffff;

/** Where a pipe stands in the send rotation, and the requests last sent on it. */
interface ReqPipe {
  ready: boolean;
  gone: boolean;
  /** Head of the intrusive list (ctx.pipeNext) of contexts whose request went out on this pipe. */
  sent: ReqContext | null;
}

/**
 * One request/reply state machine (nng_ctx). The socket's own send/recv use a default one whose
 * timeouts follow the socket's; opened ones copy the socket's values and then keep their own.
 */
class ReqContext implements ProtocolContext, Linked<ReqContext> {
  /** The outstanding request's id (bit 31 set), 0 when none. */
  requestId = 0;
  /** The outstanding request, header = [id]; kept to resend it (pipes get O(1) dups). */
  reqMsg: Message | null = null;
  /** A reply that arrived before anybody asked for it. */
  repMsg: Message | null = null;
  /** A send waiting for its first pipe. */
  sendAio: Aio | null = null;
  recvAio: Aio | null = null;
  /** The pipe the request last went out on: losing it means resending (or ECONNRESET). */
  pipe: Pipe | null = null;
  /** Neighbours in that pipe's list of contexts (O(1) unlink on reply; no scan on pipe loss). */
  pipePrev: ReqContext | null = null;
  pipeNext: ReqContext | null = null;
  /** On the socket's send queue (waiting for a ready pipe). */
  queued = false;
  qPrev: ReqContext | null = null;
  qNext: ReqContext | null = null;
  /** The request's pipe was lost with resending disabled: the next recv reports ECONNRESET. */
  connReset = false;
  /**
   * The resend timer, armed lazily: a reply does not clear it, and a new request only moves
   * `resendAt`; when it fires early it re-arms itself for the rest. So a busy context costs one
   * timer per resend-time, not a setTimeout/clearTimeout pair per request.
   */
  timer: ReturnType<typeof setTimeout> | null = null;
  /** When the request on the wire is due for a resend (performance.now() ms). */
  resendAt = 0;
  /** When the armed timer fires. */
  timerAt = 0;
  closed = false;

  constructor(
    readonly sock: Req0Protocol,
    public resendTime: number,
    /** null: the socket's current value (the default context). */
    public sendTimeout: number | null,
    public recvTimeout: number | null,
  ) {}

  send(aio: Aio): void {
    this.sock.ctxSend(this, aio);
  }

  recv(aio: Aio): void {
    this.sock.ctxRecv(this, aio);
  }

  getOption(name: string): OptionValue | undefined {
    switch (name) {
      case RESEND_TIME_OPTION.name:
        return this.resendTime;
      case "send-timeout":
        return this.sock.sendTimeoutOf(this);
      case "recv-timeout":
        return this.sock.recvTimeoutOf(this);
      default:
        return undefined;
    }
  }

  setOption(name: string, value: OptionValue): boolean {
    switch (name) {
      case RESEND_TIME_OPTION.name:
        this.resendTime = checkOption(RESEND_TIME_OPTION, value) as number;
        return true;
      case "send-timeout":
        this.sendTimeout = value as number;
        return true;
      case "recv-timeout":
        this.recvTimeout = value as number;
        return true;
      default:
        return false;
    }
  }

  close(): void {
    this.sock.ctxClose(this);
  }
}

/**
 * req (v0), cooked: each context has at most one request outstanding, identified by a u32 id with
 * bit 31 set. Requests go to the next ready pipe (round robin), are resent after `req:resend-time`
 * and at once elsewhere when their pipe is lost; replies are matched to contexts by id (a Map).
 */
class Req0Protocol implements Protocol {
  readonly options = REQ_OPTIONS;
  private readonly requests = new Map<number, ReqContext>();
  private readonly contexts = new Set<ReqContext>();
  /** Contexts whose request waits for a ready pipe, oldest first. */
  private readonly sendQueue = new LinkQueue<ReqContext>();
  private readonly ready = new Ring<Pipe>();
  private readonly defaultCtx: ReqContext;
  private nextId = ID_FIRST + Math.floor(Math.random() * (ID_LAST - ID_FIRST + 1));
  private closed = false;

  constructor(private readonly host: ProtocolHost) {
    // The socket stores option defaults only after create(): start from the spec's.
    this.defaultCtx = new ReqContext(this, RESEND_TIME_OPTION.default as number, null, null);
    this.contexts.add(this.defaultCtx);
  }

  // ---- pipes ----

  addPipe(pipe: Pipe): boolean {
    pipe.protoData = { ready: false, gone: false, sent: null } satisfies ReqPipe;
    this.markReady(pipe);
    this.runSendQueue();
    return true;
  }

  removePipe(pipe: Pipe): void {
    const st = pipe.protoData as ReqPipe;
    st.gone = true;
    if (st.ready) {
      st.ready = false;
      this.ready.remove(pipe);
    }
    if (this.closed) return;
    // Only the contexts whose request went out on this pipe: no scan of every request.
    for (let ctx = st.sent; ctx !== null; ctx = st.sent) {
      unlinkFromPipe(ctx);
      if (ctx.resendTime > 0) {
        if (!ctx.queued) this.enqueue(ctx);
        continue;
      }
      const waiting = ctx.recvAio;
      this.reset(ctx);
      if (waiting) {
        ctx.recvAio = null;
        waiting.finish(new NngError("ECONNRESET"));
      } else ctx.connReset = true;
    }
    this.runSendQueue();
  }

  pipeWritable(pipe: Pipe): void {
    this.markReady(pipe);
    this.runSendQueue();
  }

  pipeMessage(pipe: Pipe, msg: Message): void {
    if (msg.length < 4) {
      this.host.count("rx-malformed");
      pipe.close();
      return;
    }
    const id = msg.trimU32();
    const ctx = this.requests.get(id & KEY_MASK);
    // Unknown id, a request not yet on the wire, or a reply already waiting: drop it.
    if (ctx === undefined || ctx.requestId !== id || ctx.sendAio !== null || ctx.repMsg !== null) {
      this.host.count("rx-drop");
      return;
    }
    this.requests.delete(id & KEY_MASK);
    ctx.requestId = 0;
    ctx.reqMsg = null;
    unlinkFromPipe(ctx);
    this.stopResending(ctx);
    const aio = ctx.recvAio;
    if (aio) {
      ctx.recvAio = null;
      aio.msg = msg;
      aio.finish(0);
    } else ctx.repMsg = msg;
  }

  // ---- operations ----

  send(aio: Aio): void {
    this.ctxSend(this.defaultCtx, aio);
  }

  recv(aio: Aio): void {
    this.ctxRecv(this.defaultCtx, aio);
  }

  openContext(): ProtocolContext {
    const h = this.host;
    const ctx = new ReqContext(
      this,
      h.option(RESEND_TIME_OPTION.name) as number,
      h.option("send-timeout") as number,
      h.option("recv-timeout") as number,
    );
    this.contexts.add(ctx);
    return ctx;
  }

  /** @internal */
  ctxSend(ctx: ReqContext, aio: Aio): void {
    if (this.closed || ctx.closed) return refuse(aio, new NngError("ECLOSED"));
    const pipe = this.sendQueue.length === 0 ? this.takeReadyPipe() : undefined;
    if (pipe) {
      // A stopped aio refuses the operation: then nothing changes, the pipe stays first in line.
      if (!aio.begin(null, -1)) return this.unshiftReady(pipe);
      // A new request abandons the previous one, reply included.
      this.abandon(ctx, "ECANCELED");
      this.prepare(ctx, aio.msg!);
      aio.msg = null;
      this.transmit(ctx, pipe);
      aio.finish(0);
      return;
    }
    const timeout = effectiveTimeout(aio, this.sendTimeoutOf(ctx));
    // Refused at once (stopped aio, or nonblock with no pipe): the previous request lives on.
    if (timeout === 0) return refuse(aio, new NngError("ETIMEDOUT"));
    if (!aio.begin(cancelSend, timeout)) return;
    this.abandon(ctx, "ECANCELED");
    this.prepare(ctx, aio.msg!);
    // Wait for a ready pipe; the message stays on the aio until one takes it.
    ctx.sendAio = aio;
    aio.owner = ctx;
    this.enqueue(ctx);
  }

  /** @internal */
  ctxRecv(ctx: ReqContext, aio: Aio): void {
    if (this.closed || ctx.closed) return refuse(aio, new NngError("ECLOSED"));
    if (ctx.recvAio !== null || (ctx.reqMsg === null && ctx.repMsg === null)) {
      const reset = ctx.connReset;
      ctx.connReset = false;
      return refuse(aio, new NngError(reset ? "ECONNRESET" : "ESTATE"));
    }
    const reply = ctx.repMsg;
    if (reply) {
      if (!aio.begin(null, -1)) return; // a stopped aio: the reply waits for the next recv
      ctx.repMsg = null;
      aio.msg = reply;
      aio.finish(0);
      return;
    }
    aio.owner = ctx;
    // A zero timeout (nonblock) fails here without touching the request: it may be polled again.
    if (!aio.begin(cancelRecv, effectiveTimeout(aio, this.recvTimeoutOf(ctx)))) return;
    ctx.recvAio = aio;
  }

  /** @internal */
  ctxClose(ctx: ReqContext): void {
    if (ctx.closed) return;
    ctx.closed = true;
    this.contexts.delete(ctx);
    this.abandon(ctx, "ECLOSED");
    this.stopTimer(ctx);
  }

  /** @internal */
  sendTimeoutOf(ctx: ReqContext): number {
    return ctx.sendTimeout ?? (this.host.option("send-timeout") as number);
  }

  /** @internal */
  recvTimeoutOf(ctx: ReqContext): number {
    return ctx.recvTimeout ?? (this.host.option("recv-timeout") as number);
  }

  /** @internal the resend timer of `ctx` fired. */
  resendDue(ctx: ReqContext): void {
    ctx.timer = null;
    // Nothing on the wire (answered, abandoned, or waiting for a pipe): the timer just lapses.
    if (this.closed || ctx.reqMsg === null || ctx.queued || ctx.pipe === null || ctx.resendTime <= 0) return;
    const left = ctx.resendAt - performance.now();
    if (left > 0) return this.armTimer(ctx, left, ctx.resendAt);
    this.enqueue(ctx);
    this.runSendQueue();
  }

  /**
   * @internal Ends the context's pending operations with `err` and forgets its request. Takes a
   * code, not an error: every send abandons the previous request, and an Error (stack trace
   * included) is built only when there is an operation to end.
   */
  abandon(ctx: ReqContext, err: NngError | NngErrorCode): void {
    const r = ctx.recvAio;
    if (r) {
      ctx.recvAio = null;
      r.finish(typeof err === "string" ? new NngError(err) : err);
    }
    const s = ctx.sendAio;
    if (s) {
      ctx.sendAio = null;
      s.msg?.headerClear();
      s.finish(typeof err === "string" ? new NngError(err) : err);
    }
    this.reset(ctx);
  }

  /** @internal Forgets the context's request and reply (its aios are the caller's business). */
  reset(ctx: ReqContext): void {
    this.stopResending(ctx);
    if (ctx.requestId !== 0) {
      this.requests.delete(ctx.requestId & KEY_MASK);
      ctx.requestId = 0;
    }
    ctx.reqMsg = null;
    ctx.repMsg = null;
    unlinkFromPipe(ctx);
    ctx.connReset = false;
  }

  getOption(_name: string): OptionValue | undefined {
    return undefined;
  }

  optionChanged(name: string, value: OptionValue): void {
    if (name === RESEND_TIME_OPTION.name) this.defaultCtx.resendTime = value as number;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const ctx of this.contexts) {
      this.abandon(ctx, "ECLOSED");
      this.stopTimer(ctx);
    }
    this.ready.drain();
  }

  // ---- internals ----

  /** Gives `msg` the context's new request id (header) and keeps it for resending. */
  private prepare(ctx: ReqContext, msg: Message): void {
    msg.headerClear();
    msg.headerAppendU32(this.allocId(ctx));
    ctx.reqMsg = msg;
  }

  private allocId(ctx: ReqContext): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = id === ID_LAST ? ID_FIRST : id + 1;
      const key = id & KEY_MASK;
      if (!this.requests.has(key)) {
        this.requests.set(key, ctx);
        ctx.requestId = id;
        return id;
      }
    }
  }

  private enqueue(ctx: ReqContext): void {
    this.sendQueue.push(ctx);
  }

  /**
   * Takes the context off the send queue; its timer, if armed, lapses by itself and meanwhile holds
   * nothing open (a long resend-time must not keep a finished process alive).
   */
  private stopResending(ctx: ReqContext): void {
    this.sendQueue.remove(ctx);
    if (ctx.timer !== null) setRef(ctx.timer, false);
  }

  private armTimer(ctx: ReqContext, ms: number, at: number): void {
    if (ctx.timer !== null) clearTimeout(ctx.timer);
    ctx.timer = setTimeout(resendDue, ms, ctx);
    ctx.timerAt = at;
  }

  private stopTimer(ctx: ReqContext): void {
    if (ctx.timer !== null) {
      clearTimeout(ctx.timer);
      ctx.timer = null;
    }
  }

  private markReady(pipe: Pipe): void {
    const st = pipe.protoData as ReqPipe;
    if (st.ready || st.gone || this.closed) return;
    st.ready = true;
    this.ready.push(pipe);
  }

  private unshiftReady(pipe: Pipe): void {
    (pipe.protoData as ReqPipe).ready = true;
    this.ready.unshift(pipe);
  }

  private takeReadyPipe(): Pipe | undefined {
    for (;;) {
      const pipe = this.ready.shift();
      if (pipe === undefined) return undefined;
      (pipe.protoData as ReqPipe).ready = false;
      if (!pipe.closed) return pipe;
    }
  }

  private runSendQueue(): void {
    while (this.sendQueue.length > 0) {
      const pipe = this.takeReadyPipe();
      if (pipe === undefined) return;
      const ctx = this.sendQueue.shift()!;
      const aio = ctx.sendAio;
      if (aio) {
        ctx.sendAio = null;
        aio.msg = null;
        this.transmit(ctx, pipe);
        aio.finish(0);
      } else this.transmit(ctx, pipe);
    }
  }

  /** Sends (or resends) the context's request on `pipe` and arms its resend timer. */
  private transmit(ctx: ReqContext, pipe: Pipe): void {
    unlinkFromPipe(ctx);
    linkToPipe(ctx, pipe);
    if (ctx.resendTime > 0) {
      const due = performance.now() + ctx.resendTime;
      ctx.resendAt = due;
      // Re-armed only when none runs or it would fire too late (resend-time was lowered).
      if (ctx.timer === null || ctx.timerAt > due) this.armTimer(ctx, ctx.resendTime, due);
      else setRef(ctx.timer, true);
    }
    // The pipe owns what it is given (inproc even rewrites it): give it a copy-on-write dup.
    if (pipe.send(ctx.reqMsg!.dup())) this.markReady(pipe);
  }
}

function linkToPipe(ctx: ReqContext, pipe: Pipe): void {
  const st = pipe.protoData as ReqPipe;
  ctx.pipe = pipe;
  ctx.pipePrev = null;
  ctx.pipeNext = st.sent;
  if (st.sent !== null) st.sent.pipePrev = ctx;
  st.sent = ctx;
}

function unlinkFromPipe(ctx: ReqContext): void {
  const pipe = ctx.pipe;
  if (pipe === null) return;
  const { pipePrev: prev, pipeNext: next } = ctx;
  if (prev !== null) prev.pipeNext = next;
  else (pipe.protoData as ReqPipe).sent = next;
  if (next !== null) next.pipePrev = prev;
  ctx.pipe = ctx.pipePrev = ctx.pipeNext = null;
}

function resendDue(ctx: ReqContext): void {
  ctx.sock.resendDue(ctx);
}

/** Node's timers can stop holding the process open (unref); browsers' are plain numbers. */
function setRef(timer: ReturnType<typeof setTimeout>, ref: boolean): void {
  const t = timer as { ref?: () => void; unref?: () => void; hasRef?: () => boolean };
  if (typeof t.hasRef !== "function" || t.hasRef() === ref) return;
  if (ref) t.ref!();
  else t.unref!();
}

function cancelSend(aio: Aio, err: NngError): void {
  const ctx = aio.owner as ReqContext | null;
  if (ctx && ctx.sendAio === aio) {
    ctx.sendAio = null;
    aio.msg?.headerClear();
    // The request is abandoned: a receive waiting for its reply would wait forever.
    ctx.sock.abandon(ctx, err);
  }
  aio.finish(err);
}

function cancelRecv(aio: Aio, err: NngError): void {
  const ctx = aio.owner as ReqContext | null;
  if (ctx && ctx.recvAio === aio) {
    // As NNG: cancelling the receive aborts the whole exchange (a late reply is dropped).
    ctx.recvAio = null;
    ctx.sock.abandon(ctx, "ECANCELED");
  }
  aio.finish(err);
}

/**
 * req (v0), raw: no state; the application supplies the header (backtrace ending with the
 * request id) and receives replies with theirs moved into the header.
 */
class RawReq0Protocol extends QueuedProtocol {
  override readonly options = RAW_REQ_OPTIONS;

  constructor(host: ProtocolHost) {
    super(host, true, true);
  }

  override pipeMessage(pipe: Pipe, msg: Message): void {
    for (;;) {
      if (msg.length < 4) {
        this.host.count("rx-malformed");
        pipe.close();
        return;
      }
      const word = msg.trimU32();
      msg.headerAppendU32(word);
      if (word & 0x80000000) break;
    }
    this.recvQ.deliver(msg, pipe);
  }
}

export const req0: ProtocolFactory = {
  info: { id: 0x30, name: "req", peerId: 0x31, peerName: "rep" },
  create: (host) => (host.raw ? new RawReq0Protocol(host) : new Req0Protocol(host)),
};
