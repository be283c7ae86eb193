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
import { QueuedPipe } from "./surveyor0.js";

const RESPONDENT_OPTIONS: readonly ProtocolOption[] = [...BUFFER_OPTIONS, TTL_OPTION];
const MAX_BACKTRACE = 15;
// NNG's raw respondent keeps this many responses per busy pipe, then drops.
const RAW_PIPE_QUEUE = 2;

/** A surveyor as the cooked respondent sees it. */
class SurveyorPeer {
  busy = false;
  /** Surveys received from it that no context has taken yet; it is paused meanwhile. */
  stalled = 0;
  /** Contexts whose response waits for the pipe to be writable. */
  readonly senders = new Ring<RespondContext>();

  constructor(readonly pipe: Pipe) {}
}

function cancelRespondRecv(aio: Aio, err: NngError): void {
  const ctx = aio.owner as RespondContext | null;
  if (ctx) ctx.recvCanceled(aio, err);
  else aio.finish(err);
}

function cancelRespondSend(aio: Aio, err: NngError): void {
  const ctx = aio.owner as RespondContext | null;
  if (ctx) ctx.sendCanceled(aio, err);
  else {
    aio.msg?.headerClear();
    aio.finish(err);
  }
}

/**
 * One survey at a time (nng_ctx on a respondent): a receive takes a survey and remembers its
 * backtrace and pipe; the next send answers it there. Sending without a survey: ESTATE.
 */
class RespondContext implements ProtocolContext, Linked<RespondContext> {
  /** @internal the receive waiting for a survey */
  recvAio: Aio | null = null;
  /** @internal the response waiting for its pipe */
  sendAio: Aio | null = null;
  /** @internal on the socket's queue of contexts waiting for a survey */
  queued = false;
  qPrev: RespondContext | null = null;
  qNext: RespondContext | null = null;
  private sendPeer: SurveyorPeer | null = null;
  private readonly backtrace = new Uint32Array(MAX_BACKTRACE + 1);
  private backtraceLength = 0;
  private pipeId = 0;
  private closed = false;

  constructor(
    private readonly proto: RespondentProtocol,
    /** Own timeouts; null for the socket's default context, which follows the socket's options. */
    private readonly timeouts: { recv: number; send: number } | null,
  ) {}

  recv(aio: Aio): void {
    if (this.closed) return refuse(aio, new NngError("ECLOSED"));
    if (this.recvAio) return refuse(aio, new NngError("ESTATE", "a receive is already pending on this context"));
    if (this.proto.hasStalled) {
      if (aio.begin(null, -1)) this.accept(this.proto.takeStalled()!, aio);
      return;
    }
    const timeout = effectiveTimeout(aio, this.timeouts ? this.timeouts.recv : (this.proto.host.option("recv-timeout") as number));
    if (!aio.begin(cancelRespondRecv, timeout)) return;
    aio.owner = this;
    this.recvAio = aio;
    this.proto.receivers.push(this);
  }

  /** @internal hands a survey (backtrace in its header) to the receive `aio`. */
  accept(msg: Message, aio: Aio): void {
    const words = msg.headerLength >>> 2;
    for (let i = 0; i < words; i++) this.backtrace[i] = msg.headerPeekU32(i * 4);
    this.backtraceLength = words;
    this.pipeId = msg.pipe;
    msg.headerClear();
    aio.msg = msg;
    aio.finish(0);
  }

  send(aio: Aio): void {
    if (this.closed) return refuse(aio, new NngError("ECLOSED"));
    const msg = aio.msg!;
    msg.headerClear();
    if (this.backtraceLength === 0) return refuse(aio, new NngError("ESTATE", "no survey to respond to"));
    const peer = this.proto.peers.get(this.pipeId);
    if (!peer || !peer.busy) {
      if (!aio.begin(null, -1)) return;
      this.writeBacktrace(msg);
      aio.msg = null;
      // Without the peer (the surveyor left) the response is dropped, successfully, as in NNG.
      if (peer && !peer.pipe.send(msg)) peer.busy = true;
      aio.finish(0);
      return;
    }
    this.writeBacktrace(msg);
    const timeout = effectiveTimeout(aio, this.timeouts ? this.timeouts.send : (this.proto.host.option("send-timeout") as number));
    if (!aio.begin(cancelRespondSend, timeout)) return;
    aio.owner = this;
    this.sendAio = aio;
    this.sendPeer = peer;
    peer.senders.push(this);
  }

  /** @internal the peer went away or became writable: the waiting response is done with. */
  sendDone(): Aio {
    const aio = this.sendAio!;
    this.sendAio = null;
    this.sendPeer = null;
    return aio;
  }

  recvCanceled(aio: Aio, err: NngError): void {
    this.proto.receivers.remove(this);
    this.recvAio = null;
    aio.finish(err);
  }

  sendCanceled(aio: Aio, err: NngError): void {
    this.sendPeer?.senders.remove(this);
    this.sendAio = null;
    this.sendPeer = null;
    aio.msg?.headerClear();
    aio.finish(err);
  }

  getOption(name: string): OptionValue | undefined {
    if (name === "recv-timeout") return this.timeouts?.recv;
    if (name === "send-timeout") return this.timeouts?.send;
    return undefined;
  }

  setOption(name: string, value: OptionValue): boolean {
    if (!this.timeouts) return false;
    if (name === "recv-timeout") this.timeouts.recv = value as number;
    else if (name === "send-timeout") this.timeouts.send = value as number;
    else return false;
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const err = new NngError("ECLOSED");
    if (this.sendAio) this.sendCanceled(this.sendAio, err);
    if (this.recvAio) this.recvCanceled(this.recvAio, err);
    this.proto.contextClosed(this);
  }

  /** Puts the remembered backtrace on `msg` and forgets it: one response per survey. */
  private writeBacktrace(msg: Message): void {
    for (let i = 0; i < this.backtraceLength; i++) msg.headerAppendU32(this.backtrace[i]!);
    this.backtraceLength = 0;
    this.pipeId = 0;
  }
}

/** respondent0 (cooked): answers surveys by context, like rep0 answers requests. */
class RespondentProtocol implements Protocol {
  readonly options = RESPONDENT_OPTIONS;
  /** @internal */
  readonly peers = new Map<number, SurveyorPeer>();
  /** @internal contexts waiting for a survey, oldest first */
  readonly receivers = new LinkQueue<RespondContext>();
  /** Surveys no context has taken yet (`msg.pipe` is their pipe), oldest first. */
  private readonly stalled = new Ring<Message>();
  private readonly contexts = new Set<RespondContext>();
  private readonly defaultCtx: RespondContext;
  private ttl = TTL_OPTION.default as number;

  constructor(readonly host: ProtocolHost) {
    this.defaultCtx = new RespondContext(this, null);
    this.contexts.add(this.defaultCtx);
  }

  addPipe(pipe: Pipe): boolean {
    const peer = new SurveyorPeer(pipe);
    pipe.protoData = peer;
    this.peers.set(pipe.id, peer);
    return true;
  }

  removePipe(pipe: Pipe): void {
    const peer = this.peers.get(pipe.id);
    if (!peer) return;
    this.peers.delete(pipe.id);
    // Responses waiting for this pipe are dropped; their sends succeed, as in NNG.
    for (let ctx = peer.senders.shift(); ctx !== undefined; ctx = peer.senders.shift()) {
      const aio = ctx.sendDone();
      aio.msg = null;
      aio.finish(0);
    }
    if (peer.stalled > 0) {
      for (const msg of this.stalled.drain()) if (msg.pipe !== pipe.id) this.stalled.push(msg);
      peer.stalled = 0;
    }
  }

  pipeMessage(pipe: Pipe, msg: Message): void {
    if (!acceptBacktrace(this.host, pipe, msg, this.ttl)) return;
    const ctx = this.receivers.shift();
    if (ctx) {
      const aio = ctx.recvAio!;
      ctx.recvAio = null;
      ctx.accept(msg, aio);
      return;
    }
    // Nobody is receiving: hold the survey and stop reading this pipe until it is taken.
    const peer = pipe.protoData as SurveyorPeer;
    this.stalled.push(msg);
    if (peer.stalled++ === 0) pipe.pause();
  }

  pipeWritable(pipe: Pipe): void {
    const peer = this.peers.get(pipe.id);
    if (!peer) return;
    peer.busy = false;
    while (!peer.busy) {
      const ctx = peer.senders.shift();
      if (ctx === undefined) return;
      const aio = ctx.sendDone();
      const msg = aio.msg!;
      aio.msg = null;
      if (!pipe.send(msg)) peer.busy = true;
      aio.finish(0);
    }
  }

  send(aio: Aio): void {
    this.defaultCtx.send(aio);
  }

  recv(aio: Aio): void {
    this.defaultCtx.recv(aio);
  }

  getOption(_name: string): OptionValue | undefined {
    return undefined;
  }

  optionChanged(name: string, value: OptionValue): void {
    if (name === TTL_OPTION.name) this.ttl = value as number;
  }

  openContext(): ProtocolContext {
    const ctx = new RespondContext(this, {
      recv: this.host.option("recv-timeout") as number,
      send: this.host.option("send-timeout") as number,
    });
    this.contexts.add(ctx);
    return ctx;
  }

  close(): void {
    for (const ctx of [...this.contexts]) ctx.close();
    this.stalled.drain();
  }

  get hasStalled(): boolean {
    return this.stalled.length > 0;
  }

  /** @internal the oldest survey waiting for a context; its pipe reads again once it has none left. */
  takeStalled(): Message | undefined {
    const msg = this.stalled.shift();
    if (msg === undefined) return undefined;
    const peer = this.peers.get(msg.pipe);
    if (peer && --peer.stalled === 0) peer.pipe.resume();
    return msg;
  }

  /** @internal */
  contextClosed(ctx: RespondContext): void {
    this.contexts.delete(ctx);
  }
}

/**
 * Raw respondent0: on receive the header gets the u32 pipe id, then the backtrace; a send pops
 * the pipe id to route the message and passes the rest of the header on untouched.
 */
class RawRespondentProtocol implements Protocol {
  readonly options = RESPONDENT_OPTIONS;
  private readonly peers = new Map<number, QueuedPipe>();
  private readonly recvQ = new RecvQueue(0);
  private ttl = TTL_OPTION.default as number;

  constructor(private readonly host: ProtocolHost) {}

  addPipe(pipe: Pipe): boolean {
    this.peers.set(pipe.id, new QueuedPipe(pipe));
    return true;
  }

  removePipe(pipe: Pipe): void {
    this.peers.get(pipe.id)?.clear();
    this.peers.delete(pipe.id);
    this.recvQ.removePipe(pipe);
  }

  pipeMessage(pipe: Pipe, msg: Message): void {
    msg.headerAppendU32(pipe.id);
    if (!acceptBacktrace(this.host, pipe, msg, this.ttl)) return;
    this.recvQ.deliver(msg, pipe);
  }

  pipeWritable(pipe: Pipe): void {
    this.peers.get(pipe.id)?.writable();
  }

  /** Never waits: a message without a pipe id, for a gone pipe or a full one is dropped. */
  send(aio: Aio): void {
    if (!aio.begin(null, -1)) return;
    const msg = aio.msg!;
    aio.msg = null;
    const peer = msg.headerLength >= 4 ? this.peers.get(msg.headerTrimU32()) : undefined;
    if (!peer || !peer.offer(msg, RAW_PIPE_QUEUE)) this.host.count("tx-drop");
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
  }
}

export const respondent0: ProtocolFactory = {
  info: { id: 0x63, name: "respondent", peerId: 0x62, peerName: "surveyor" },
  create: (host) => (host.raw ? new RawRespondentProtocol(host) : new RespondentProtocol(host)),
};
