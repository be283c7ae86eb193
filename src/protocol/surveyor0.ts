import { type Aio, effectiveTimeout } from "../core/aio.js";
import { NngError, type NngErrorCode } from "../core/errors.js";
import type { Message } from "../core/message.js";
import { checkOption, type OptionValue } from "../core/options.js";
import { Ring } from "../core/queue.js";
import type { Pipe } from "../socket/pipe.js";
import type { Protocol, ProtocolContext, ProtocolFactory, ProtocolHost, ProtocolOption } from "../socket/protocol.js";
import { acceptBacktrace, TTL_OPTION } from "./backtrace.js";
import { BUFFER_OPTIONS, refuse } from "./queued.js";
import { RecvQueue } from "./recv-queue.js";

export const SURVEY_TIME = "surveyor:survey-time";
const SURVEY_TIME_OPTION: ProtocolOption = { name: SURVEY_TIME, kind: "ms", default: 1000 };
const SURVEYOR_OPTIONS: readonly ProtocolOption[] = [...BUFFER_OPTIONS, SURVEY_TIME_OPTION, TTL_OPTION];

// NNG's depths: a busy pipe keeps this many surveys queued, then drops (best effort).
const COOKED_PIPE_QUEUE = 8;
const RAW_PIPE_QUEUE = 16;
// Responses a survey keeps until they are received (NNG's fixed context queue).
const RESPONSE_QUEUE = 128;
const ID_FIRST = 0x80000000;
const ID_LAST = 0xffffffff;

/**
 * A pipe written best effort (survey broadcasts, raw responses): a message goes straight out, or
 * waits in a short queue while the pipe is busy, or is dropped when that queue is full.
 */
export class QueuedPipe {
  private readonly queue = new Ring<Message>();
  private busy = false;

  constructor(readonly pipe: Pipe) {}

  /** Takes `msg` or drops it (false) when the pipe is busy and its queue full. */
  offer(msg: Message, depth: number): boolean {
    if (!this.busy) {
      if (!this.pipe.send(msg)) this.busy = true;
      return true;
    }
    if (this.queue.length >= depth) return false;
    this.queue.push(msg);
    return true;
  }

  writable(): void {
    this.busy = false;
    while (!this.busy) {
      const msg = this.queue.shift();
      if (msg === undefined) return;
      if (!this.pipe.send(msg)) this.busy = true;
    }
  }

  clear(): void {
    while (this.queue.shift() !== undefined);
  }
}

/** The respondents of a surveyor, and the broadcast both modes share. */
class SurveyPeers {
  private readonly peers = new Map<Pipe, QueuedPipe>();

  constructor(private readonly host: ProtocolHost) {}

  add(pipe: Pipe): void {
    this.peers.set(pipe, new QueuedPipe(pipe));
  }

  remove(pipe: Pipe): void {
    this.peers.get(pipe)?.clear();
    this.peers.delete(pipe);
  }

  writable(pipe: Pipe): void {
    this.peers.get(pipe)?.writable();
  }

  /** Sends `msg` to every pipe, best effort: it never waits; with no pipe the message is dropped. */
  broadcast(msg: Message, depth: number): void {
    let left = this.peers.size;
    for (const peer of this.peers.values()) {
      // Each pipe gets its own message (copy-on-write); the last one takes the original.
      if (!peer.offer(--left === 0 ? msg : msg.dup(), depth)) this.host.count("tx-drop");
    }
  }
}

function now(): number {
  return performance.now();
}

function cancelSurveyRecv(aio: Aio, err: NngError): void {
  const ctx = aio.owner as SurveyContext | null;
  if (ctx) ctx.recvCanceled(aio, err);
  else aio.finish(err);
}

/**
 * One survey at a time (nng_ctx on a surveyor): a send starts a new survey, cancelling the previous
 * one; receives return its responses until the survey time passes (ETIMEDOUT), then ESTATE.
 */
class SurveyContext implements ProtocolContext {
  private surveyId = 0;
  private expire = 0;
  private readonly responses = new Ring<Message>();
  private readonly waiters = new Ring<Aio>();
  private closed = false;

  constructor(
    private readonly proto: SurveyorProtocol,
    private surveyTime: number,
    /** Own timeouts; null for the socket's default context, which follows the socket's options. */
    private readonly timeouts: { recv: number; send: number } | null,
  ) {}

  send(aio: Aio): void {
    if (this.closed) return refuse(aio, new NngError("ECLOSED"));
    if (!aio.begin(null, -1)) return;
    const msg = aio.msg!;
    this.abort("ECANCELED");
    const id = this.proto.startSurvey(this);
    this.surveyId = id;
    msg.headerClear();
    msg.headerAppendU32(id);
    aio.msg = null;
    this.proto.peers.broadcast(msg, COOKED_PIPE_QUEUE);
    this.expire = this.surveyTime < 0 ? Infinity : now() + this.surveyTime;
    aio.finish(0);
  }

  recv(aio: Aio): void {
    if (this.closed) return refuse(aio, new NngError("ECLOSED"));
    if (this.surveyId === 0) return refuse(aio, new NngError("ESTATE", "no survey in progress"));
    const left = this.expire - now();
    if (left <= 0) {
      this.endSurvey();
      return refuse(aio, new NngError("ESTATE", "the survey has ended"));
    }
    if (this.responses.length > 0) {
      if (aio.begin(null, -1)) {
        aio.msg = this.responses.shift()!;
        aio.finish(0);
      }
      return;
    }
    let timeout = effectiveTimeout(aio, this.timeouts ? this.timeouts.recv : (this.proto.host.option("recv-timeout") as number));
    // A non-blocking poll fails without ending the survey, as in NNG.
    if (timeout === 0) return refuse(aio, new NngError("ETIMEDOUT"));
    // The survey time bounds every receive.
    if (left !== Infinity && (timeout < 0 || timeout > left)) timeout = Math.ceil(left);
    if (!aio.begin(cancelSurveyRecv, timeout)) return;
    aio.owner = this;
    this.waiters.push(aio);
  }

  /** A response to this context's survey arrived. */
  deliver(msg: Message): void {
    if (now() >= this.expire) {
      this.proto.host.count("rx-drop");
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter.msg = msg;
      waiter.finish(0);
    } else if (this.responses.length < RESPONSE_QUEUE) {
      this.responses.push(msg);
    } else {
      this.proto.host.count("rx-drop");
    }
  }

  /** A waiting receive timed out or was cancelled: like NNG, that ends the survey. */
  recvCanceled(aio: Aio, err: NngError): void {
    this.waiters.remove(aio);
    aio.finish(err);
    this.endSurvey();
  }

  getOption(name: string): OptionValue | undefined {
    switch (name) {
      case SURVEY_TIME:
        return this.surveyTime;
      case "recv-timeout":
        return this.timeouts?.recv;
      case "send-timeout":
        return this.timeouts?.send;
      default:
        return undefined;
    }
  }

  setOption(name: string, value: OptionValue): boolean {
    switch (name) {
      case SURVEY_TIME:
        this.surveyTime = checkOption(SURVEY_TIME_OPTION, value) as number;
        return true;
      case "recv-timeout":
        if (this.timeouts) this.timeouts.recv = value as number;
        return this.timeouts !== null;
      case "send-timeout":
        if (this.timeouts) this.timeouts.send = value as number;
        return this.timeouts !== null;
      default:
        return false;
    }
  }

  /** The socket's survey-time changed (default context only). */
  setSurveyTime(ms: number): void {
    this.surveyTime = ms;
  }

  close(): void {
    if (this.closed) return;
    this.abort("ECLOSED");
    this.closed = true;
    this.proto.contextClosed(this);
  }

  /** Ends the survey: pending receives fail with `code`, queued responses go. */
  private abort(code: NngErrorCode): void {
    // An error (stack trace included) only when there is a receive to end: every survey calls this.
    for (let aio = this.waiters.shift(); aio !== undefined; aio = this.waiters.shift()) aio.finish(new NngError(code));
    this.endSurvey();
  }

  private endSurvey(): void {
    if (this.surveyId !== 0) this.proto.endSurvey(this.surveyId);
    this.surveyId = 0;
    while (this.responses.shift() !== undefined);
  }
}

/** surveyor0 (cooked): surveys by context, responses matched to them by survey id. */
class SurveyorProtocol implements Protocol {
  readonly options = SURVEYOR_OPTIONS;
  readonly peers: SurveyPeers;
  private readonly surveys = new Map<number, SurveyContext>();
  private readonly contexts = new Set<SurveyContext>();
  private readonly defaultCtx: SurveyContext;
  // Ids have bit 31 set and start at a random point, as NNG's do.
  private nextId = (ID_FIRST + Math.floor(Math.random() * ID_FIRST)) >>> 0;

  constructor(readonly host: ProtocolHost) {
    this.peers = new SurveyPeers(host);
    this.defaultCtx = new SurveyContext(this, SURVEY_TIME_OPTION.default as number, null);
    this.contexts.add(this.defaultCtx);
  }

  addPipe(pipe: Pipe): boolean {
    this.peers.add(pipe);
    return true;
  }

  removePipe(pipe: Pipe): void {
    this.peers.remove(pipe);
  }

  pipeMessage(pipe: Pipe, msg: Message): void {
    if (msg.length < 4) {
      this.host.count("rx-malformed");
      pipe.close();
      return;
    }
    const id = msg.trimU32();
    msg.headerAppendU32(id);
    const ctx = this.surveys.get(id);
    if (ctx) ctx.deliver(msg);
    else this.host.count("rx-drop");
  }

  pipeWritable(pipe: Pipe): void {
    this.peers.writable(pipe);
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
    if (name === SURVEY_TIME) this.defaultCtx.setSurveyTime(value as number);
  }

  openContext(): ProtocolContext {
    const ctx = new SurveyContext(this, this.defaultCtx.getOption(SURVEY_TIME) as number, {
      recv: this.host.option("recv-timeout") as number,
      send: this.host.option("send-timeout") as number,
    });
    this.contexts.add(ctx);
    return ctx;
  }

  close(): void {
    for (const ctx of [...this.contexts]) ctx.close();
  }

  /** @internal allocates a survey id for `ctx`. */
  startSurvey(ctx: SurveyContext): number {
    let id = this.nextId;
    while (this.surveys.has(id)) id = id === ID_LAST ? ID_FIRST : id + 1;
    this.nextId = id === ID_LAST ? ID_FIRST : id + 1;
    this.surveys.set(id, ctx);
    return id;
  }

  /** @internal */
  endSurvey(id: number): void {
    this.surveys.delete(id);
  }

  /** @internal */
  contextClosed(ctx: SurveyContext): void {
    this.contexts.delete(ctx);
  }
}

/**
 * Raw surveyor0: the application's header is sent untouched to every pipe; on receive the
 * backtrace (words up to the one with bit 31 set) moves into the header.
 */
class RawSurveyorProtocol implements Protocol {
  readonly options = SURVEYOR_OPTIONS;
  private readonly peers: SurveyPeers;
  private readonly recvQ = new RecvQueue(0);

  constructor(private readonly host: ProtocolHost) {
    this.peers = new SurveyPeers(host);
  }

  addPipe(pipe: Pipe): boolean {
    this.peers.add(pipe);
    return true;
  }

  removePipe(pipe: Pipe): void {
    this.peers.remove(pipe);
    this.recvQ.removePipe(pipe);
  }

  pipeMessage(pipe: Pipe, msg: Message): void {
    // No ttl limit here, so the only failure is a malformed survey id (the pipe is closed).
    if (!acceptBacktrace(this.host, pipe, msg, Number.MAX_SAFE_INTEGER)) return;
    this.recvQ.deliver(msg, pipe);
  }

  pipeWritable(pipe: Pipe): void {
    this.peers.writable(pipe);
  }

  send(aio: Aio): void {
    if (!aio.begin(null, -1)) return;
    const msg = aio.msg!;
    aio.msg = null;
    this.peers.broadcast(msg, RAW_PIPE_QUEUE);
    aio.finish(0);
  }

  recv(aio: Aio): void {
    this.recvQ.recv(aio, this.host.option("recv-timeout") as number);
  }

  getOption(_name: string): OptionValue | undefined {
    return undefined;
  }

  optionChanged(name: string, value: OptionValue): void {
    if (name === "recv-buffer") this.recvQ.setCapacity(value as number);
  }

  close(): void {
    this.recvQ.close();
  }
}

export const surveyor0: ProtocolFactory = {
  info: { id: 0x62, name: "surveyor", peerId: 0x63, peerName: "respondent" },
  create: (host) => (host.raw ? new RawSurveyorProtocol(host) : new SurveyorProtocol(host)),
};
