import { type Aio, effectiveTimeout } from "../core/aio.js";
import { NngError } from "../core/errors.js";
import type { Message } from "../core/message.js";
import type { OptionValue } from "../core/options.js";
import { Ring } from "../core/queue.js";
import type { Pipe } from "../socket/pipe.js";
import type { Protocol, ProtocolContext, ProtocolFactory, ProtocolHost, ProtocolOption } from "../socket/protocol.js";
import { acceptBacktrace, TTL_OPTION } from "./backtrace.js";
import { type Linked, LinkQueue } from "./link-queue.js";
import { BUFFER_OPTIONS, refuse } from "./queued.js";
import { RecvQueue } from "./recv-queue.js";

const REP_OPTIONS: readonly ProtocolOption[] = [...BUFFER_OPTIONS, TTL_OPTION];
// Raw replies queue per pipe up to this depth (as libnng's xrep), then are dropped.
const RAW_PIPE_QUEUE = 64;

/** A cooked rep pipe: replies waiting while it is busy. */
interface RepPipe {
  readonly pipe: Pipe;
  busy: boolean;
  readonly waiting: Ring<RepContext>;
}

/**
 * One request being served (nng_ctx): remembers where the request came from (pipe and backtrace)
 * until it is answered. The default context follows the socket's timeouts.
 */
class RepContext implements ProtocolContext, Linked<RepContext> {
  /** The pipe the request to answer came from; 0: no request (a send is ESTATE). */
  pipeId = 0;
  /** The backtrace when it is the bare request id (the common case, no devices on the way). */
  requestId = 0;
  /** The backtrace when it holds hops too. */
  backtrace: Uint8Array | null = null;
  recvAio: Aio | null = null;
  sendAio: Aio | null = null;
  sendPipe: RepPipe | null = null;
  closed = false;
  /** On the socket's queue of contexts waiting for a request. */
  queued = false;
  qPrev: RepContext | null = null;
  qNext: RepContext | null = null;

  constructor(
    readonly sock: Rep0Protocol,
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
    if (name === "send-timeout") return this.sock.sendTimeoutOf(this);
    if (name === "recv-timeout") return this.sock.recvTimeoutOf(this);
    return undefined;
  }

  setOption(name: string, value: OptionValue): boolean {
    if (name === "send-timeout") this.sendTimeout = value as number;
    else if (name === "recv-timeout") this.recvTimeout = value as number;
    else return false;
    return true;
  }

  close(): void {
    this.sock.ctxClose(this);
  }
}

/**
 * rep (v0), cooked: requests are fair-queued to whichever context asks first; the reply goes
 * back on the request's pipe with its backtrace (dropped silently if that pipe is gone, waiting
 * up to send-timeout while it is busy). One reply per request: a second send is ESTATE.
 */
class Rep0Protocol implements Protocol {
  readonly options = REP_OPTIONS;
  private readonly pipes = new Map<number, RepPipe>();
  private readonly contexts = new Set<RepContext>();
  /** Contexts with a receive waiting, oldest first. */
  private readonly receivers = new LinkQueue<RepContext>();
  /** Requests nobody asked for yet (backtrace in the header). */
  private readonly inbox = new Ring<Message>();
  private readonly paused = new Ring<Pipe>();
  private readonly defaultCtx: RepContext;
  private capacity = 0;
  private ttl: number;
  private closed = false;

  constructor(private readonly host: ProtocolHost) {
    this.ttl = TTL_OPTION.default as number; // the socket stores option defaults after create()
    this.defaultCtx = new RepContext(this, null, null);
    this.contexts.add(this.defaultCtx);
  }

  // ---- pipes ----

  addPipe(pipe: Pipe): boolean {
    const rp: RepPipe = { pipe, busy: false, waiting: new Ring<RepContext>(4) };
    pipe.protoData = rp;
    this.pipes.set(pipe.id, rp);
    return true;
  }

  removePipe(pipe: Pipe): void {
    const rp = pipe.protoData as RepPipe;
    this.pipes.delete(pipe.id);
    this.paused.remove(pipe);
    // As NNG: the peer is gone, so its replies are "sent" (and dropped) rather than failed.
    for (const ctx of rp.waiting.drain()) {
      const aio = ctx.sendAio!;
      ctx.sendAio = null;
      ctx.sendPipe = null;
      aio.msg = null;
      aio.finish(0);
    }
  }

  pipeWritable(pipe: Pipe): void {
    const rp = pipe.protoData as RepPipe;
    rp.busy = false;
    while (!rp.busy) {
      const ctx = rp.waiting.shift();
      if (ctx === undefined) break;
      const aio = ctx.sendAio!;
      ctx.sendAio = null;
      ctx.sendPipe = null;
      const msg = aio.msg!;
      aio.msg = null;
      rp.busy = !pipe.send(msg);
      aio.finish(0);
    }
  }

  pipeMessage(pipe: Pipe, msg: Message): void {
    if (this.closed) return;
    if (!acceptBacktrace(this.host, pipe, msg, this.ttl)) return;
    const ctx = this.receivers.shift();
    if (ctx !== undefined) {
      const aio = ctx.recvAio!;
      ctx.recvAio = null;
      this.capture(ctx, msg);
      aio.msg = msg;
      aio.finish(0);
      return;
    }
    this.inbox.push(msg);
    if (this.inbox.length >= this.capacity && !pipe.closed) {
      pipe.pause();
      this.paused.push(pipe);
    }
  }

  // ---- operations ----

  send(aio: Aio): void {
    this.ctxSend(this.defaultCtx, aio);
  }

  recv(aio: Aio): void {
    this.ctxRecv(this.defaultCtx, aio);
  }

  openContext(): ProtocolContext {
    const ctx = new RepContext(this, this.host.option("send-timeout") as number, this.host.option("recv-timeout") as number);
    this.contexts.add(ctx);
    return ctx;
  }

  /** @internal */
  ctxRecv(ctx: RepContext, aio: Aio): void {
    if (this.closed || ctx.closed) return refuse(aio, new NngError("ECLOSED"));
    if (this.hasRequest()) {
      if (!aio.begin(null, -1)) return; // a stopped aio: the request waits for another recv
      const msg = this.takeRequest()!;
      this.capture(ctx, msg);
      aio.msg = msg;
      aio.finish(0);
      return;
    }
    // As NNG: one receive at a time per context.
    if (ctx.recvAio !== null) return refuse(aio, new NngError("ESTATE"));
    aio.owner = ctx;
    if (!aio.begin(cancelRecv, effectiveTimeout(aio, this.recvTimeoutOf(ctx)))) return;
    ctx.recvAio = aio;
    this.receivers.push(ctx);
  }

  /** @internal */
  ctxSend(ctx: RepContext, aio: Aio): void {
    if (this.closed || ctx.closed) return refuse(aio, new NngError("ECLOSED"));
    const msg = aio.msg!;
    msg.headerClear();
    const pipeId = ctx.pipeId;
    if (pipeId === 0) return refuse(aio, new NngError("ESTATE", "no request to reply to"));
    const rp = this.pipes.get(pipeId);
    const now = rp === undefined || !rp.busy;
    // A stopped aio refuses the operation before anything changes.
    if (now && !aio.begin(null, -1)) return;
    // Whatever happens now, this request has had its one reply.
    ctx.pipeId = 0;
    if (ctx.backtrace !== null) {
      msg.headerAppend(ctx.backtrace);
      ctx.backtrace = null;
    } else msg.headerAppendU32(ctx.requestId);
    if (now) {
      aio.msg = null;
      if (rp === undefined) this.host.count("tx-drop");
      else rp.busy = !rp.pipe.send(msg);
      aio.finish(0);
      return;
    }
    aio.owner = ctx;
    if (!aio.begin(cancelSend, effectiveTimeout(aio, this.sendTimeoutOf(ctx)))) {
      msg.headerClear();
      return;
    }
    ctx.sendAio = aio;
    ctx.sendPipe = rp;
    rp.waiting.push(ctx);
  }

  /** @internal */
  ctxClose(ctx: RepContext): void {
    if (ctx.closed) return;
    ctx.closed = true;
    this.contexts.delete(ctx);
    this.failContext(ctx, new NngError("ECLOSED"));
  }

  /** @internal */
  sendTimeoutOf(ctx: RepContext): number {
    return ctx.sendTimeout ?? (this.host.option("send-timeout") as number);
  }

  /** @internal */
  recvTimeoutOf(ctx: RepContext): number {
    return ctx.recvTimeout ?? (this.host.option("recv-timeout") as number);
  }

  /** @internal */
  unlinkReceiver(ctx: RepContext): void {
    this.receivers.remove(ctx);
  }

  getOption(_name: string): OptionValue | undefined {
    return undefined;
  }

  optionChanged(name: string, value: OptionValue): void {
    if (name === TTL_OPTION.name) this.ttl = value as number;
    else if (name === "recv-buffer") {
      this.capacity = value as number;
      this.resumePipes();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const ctx of this.contexts) this.failContext(ctx, new NngError("ECLOSED"));
    this.inbox.drain();
    this.paused.drain();
  }

  // ---- internals ----

  /** True when a request waits for a receiver (requests from lost pipes are skipped). */
  private hasRequest(): boolean {
    for (;;) {
      const msg = this.inbox.peek();
      if (msg === undefined) return false;
      if (this.pipes.has(msg.pipe)) return true;
      this.inbox.shift();
    }
  }

  /** The oldest waiting request whose pipe is still there (a request from a lost pipe is moot). */
  private takeRequest(): Message | undefined {
    let msg: Message | undefined;
    for (;;) {
      msg = this.inbox.shift();
      if (msg === undefined || this.pipes.has(msg.pipe)) break;
    }
    if (this.paused.length > 0) this.resumePipes();
    return msg;
  }

  /** Remembers where the request came from and hands the application a header-less message. */
  private capture(ctx: RepContext, msg: Message): void {
    ctx.pipeId = msg.pipe;
    if (msg.headerLength === 4) {
      ctx.requestId = msg.headerPeekU32(0);
      ctx.backtrace = null;
    } else ctx.backtrace = msg.header.slice();
    msg.headerClear();
  }

  private resumePipes(): void {
    while (this.paused.length > 0 && this.inbox.length < Math.max(1, this.capacity)) {
      const pipe = this.paused.shift()!;
      if (!pipe.closed) pipe.resume();
    }
  }

  private failContext(ctx: RepContext, err: NngError): void {
    const r = ctx.recvAio;
    if (r) {
      ctx.recvAio = null;
      this.receivers.remove(ctx);
      r.finish(err);
    }
    const s = ctx.sendAio;
    if (s) {
      ctx.sendAio = null;
      ctx.sendPipe?.waiting.remove(ctx);
      ctx.sendPipe = null;
      s.msg?.headerClear();
      s.finish(err);
    }
    ctx.pipeId = 0;
    ctx.backtrace = null;
  }
}

function cancelRecv(aio: Aio, err: NngError): void {
  const ctx = aio.owner as RepContext | null;
  if (ctx && ctx.recvAio === aio) {
    ctx.recvAio = null;
    ctx.sock.unlinkReceiver(ctx);
  }
  aio.finish(err);
}

function cancelSend(aio: Aio, err: NngError): void {
  const ctx = aio.owner as RepContext | null;
  if (ctx && ctx.sendAio === aio) {
    ctx.sendAio = null;
    ctx.sendPipe?.waiting.remove(ctx);
    ctx.sendPipe = null;
  }
  aio.msg?.headerClear();
  aio.finish(err);
}

/** A raw rep pipe: replies routed to it, queued while it is busy. */
interface RawRepPipe {
  readonly pipe: Pipe;
  busy: boolean;
  readonly queue: Ring<Message>;
}

/**
 * rep (v0), raw: received requests carry [pipe id][backtrace] in the header (as libnng's raw
 * rep); a send pops the pipe id and routes the message there, best effort (never blocks).
 */
class RawRep0Protocol implements Protocol {
  readonly options = REP_OPTIONS;
  private readonly pipes = new Map<number, RawRepPipe>();
  private readonly recvQ = new RecvQueue(0);
  private ttl: number;

  constructor(private readonly host: ProtocolHost) {
    this.ttl = TTL_OPTION.default as number; // the socket stores option defaults after create()
  }

  addPipe(pipe: Pipe): boolean {
    const rp: RawRepPipe = { pipe, busy: false, queue: new Ring<Message>(4) };
    pipe.protoData = rp;
    this.pipes.set(pipe.id, rp);
    return true;
  }

  removePipe(pipe: Pipe): void {
    this.pipes.delete(pipe.id);
    (pipe.protoData as RawRepPipe).queue.drain();
    this.recvQ.removePipe(pipe);
  }

  pipeWritable(pipe: Pipe): void {
    const rp = pipe.protoData as RawRepPipe;
    rp.busy = false;
    while (!rp.busy) {
      const msg = rp.queue.shift();
      if (msg === undefined) break;
      rp.busy = !pipe.send(msg);
    }
  }

  pipeMessage(pipe: Pipe, msg: Message): void {
    msg.headerAppendU32(pipe.id);
    if (acceptBacktrace(this.host, pipe, msg, this.ttl)) this.recvQ.deliver(msg, pipe);
  }

  send(aio: Aio): void {
    if (!aio.begin(null, -1)) return;
    const msg = aio.msg!;
    aio.msg = null;
    this.route(msg);
    aio.finish(0);
  }

  recv(aio: Aio): void {
    this.recvQ.recv(aio, this.host.option("recv-timeout") as number);
  }

  getOption(_name: string): OptionValue | undefined {
    return undefined;
  }

  optionChanged(name: string, value: OptionValue): void {
    if (name === TTL_OPTION.name) this.ttl = value as number;
    else if (name === "recv-buffer") this.recvQ.setCapacity(value as number);
  }

  close(): void {
    this.recvQ.close();
    for (const rp of this.pipes.values()) rp.queue.drain();
  }

  private route(msg: Message): void {
    const rp = msg.headerLength >= 4 ? this.pipes.get(msg.headerTrimU32()) : undefined;
    if (rp === undefined) {
      this.host.count("tx-drop");
      return;
    }
    if (!rp.busy) rp.busy = !rp.pipe.send(msg);
    else if (rp.queue.length < RAW_PIPE_QUEUE) rp.queue.push(msg);
    else this.host.count("tx-drop");
  }
}

export const rep0: ProtocolFactory = {
  info: { id: 0x31, name: "rep", peerId: 0x30, peerName: "req" },
  create: (host) => (host.raw ? new RawRep0Protocol(host) : new Rep0Protocol(host)),
};
