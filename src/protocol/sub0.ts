import type { Aio } from "../core/aio.js";
import { NngError } from "../core/errors.js";
import type { Message } from "../core/message.js";
import { checkOption, type OptionValue } from "../core/options.js";
import type { Pipe } from "../socket/pipe.js";
import type { Protocol, ProtocolContext, ProtocolFactory, ProtocolHost, ProtocolOption } from "../socket/protocol.js";
import { refuse } from "./queued.js";
import { RecvQueue } from "./recv-queue.js";
import { TopicTrie } from "./topic-trie.js";

const RECV_BUFFER: ProtocolOption = { name: "recv-buffer", kind: "int", min: 1, max: 8192, default: 128 };
const SUBSCRIBE: ProtocolOption = { name: "sub:subscribe", kind: "bytes", writeOnly: true };
const UNSUBSCRIBE: ProtocolOption = { name: "sub:unsubscribe", kind: "bytes", writeOnly: true };
const PREFNEW: ProtocolOption = { name: "sub:prefnew", kind: "bool", default: true };
// Generic options libnng 1.5.2 also accepts on sub sockets.
const SEND_BUFFER: ProtocolOption = { name: "send-buffer", kind: "int", min: 0, max: 8192, default: 0 };

const SUB_OPTIONS: readonly ProtocolOption[] = [RECV_BUFFER, SUBSCRIBE, UNSUBSCRIBE, PREFNEW, SEND_BUFFER];
// Raw sub (xsub) filters nothing and has only the generic buffers (libnng: recv-buffer 1).
const RAW_SUB_OPTIONS: readonly ProtocolOption[] = [
  { name: "recv-buffer", kind: "int", min: 0, max: 8192, default: 1 },
  SEND_BUFFER,
];
const CONTEXT_OPTIONS: readonly ProtocolOption[] = [
  RECV_BUFFER,
  SUBSCRIBE,
  UNSUBSCRIBE,
  PREFNEW,
  { name: "recv-timeout", kind: "ms" },
  { name: "send-timeout", kind: "ms" },
];

/** Per pipe: the message held back while the pipe waits for room (see Sub0Protocol.pipeMessage). */
interface SubPipe {
  held: Message | null;
  /** Released by the end-of-turn flush: until the next one, its messages are not held again. */
  lenient: boolean;
}

type Defer = (f: () => void) => void;
const globals = globalThis as { setImmediate?: (f: () => void) => unknown };
/** After the current turn's I/O (setImmediate in Node, a zero timeout elsewhere). */
const defer: Defer = globals.setImmediate ? (f) => void globals.setImmediate!(f) : (f) => void setTimeout(f, 0);

/** One set of subscriptions with its own queue: the socket's default context, or an opened one. */
class SubContext implements ProtocolContext {
  readonly topics = new TopicTrie();
  readonly queue: RecvQueue;
  prefNew: boolean;

  constructor(
    private readonly owner: Sub0Protocol,
    capacity: number,
    prefNew: boolean,
    /** Own timeouts of an opened context; null: the socket's (default context). */
    private readonly timeouts: { recv: number; send: number } | null,
  ) {
    this.queue = new RecvQueue(capacity);
    this.prefNew = prefNew;
  }

  send(aio: Aio): void {
    refuse(aio, new NngError("ENOTSUP", "sub cannot send"));
  }

  recv(aio: Aio): void {
    this.queue.recv(aio, this.timeouts?.recv ?? this.owner.recvTimeout());
  }

  /** Queues a matching message; a full queue drops its oldest or, without prefnew, `msg`. */
  offer(msg: Message): void {
    if (!this.queue.deliverLossy(msg, !this.prefNew)) this.owner.host.count("rx-drop");
  }

  getOption(name: string): OptionValue | undefined {
    switch (name) {
      case "recv-buffer":
        return this.queue.capacity;
      case "sub:prefnew":
        return this.prefNew;
      case "recv-timeout":
        return this.timeouts?.recv;
      case "send-timeout":
        return this.timeouts?.send;
      case "sub:subscribe":
      case "sub:unsubscribe":
        throw new NngError("EWRITEONLY", name);
    }
    return undefined;
  }

  setOption(name: string, value: OptionValue): boolean {
    const spec = CONTEXT_OPTIONS.find((o) => o.name === name);
    if (!spec || (this.timeouts === null && spec.kind === "ms")) return false;
    this.apply(name, checkOption(spec, value));
    return true;
  }

  /** Applies a validated option value. */
  apply(name: string, value: OptionValue): void {
    switch (name) {
      case "sub:subscribe":
        this.topics.add(value as Uint8Array);
        break;
      case "sub:unsubscribe":
        if (!this.topics.remove(value as Uint8Array)) throw new NngError("ENOENT", "not subscribed to that topic");
        // Queued messages must still match what is left.
        this.queue.filter((m) => this.topics.matches(m.body));
        break;
      case "sub:prefnew":
        this.prefNew = value as boolean;
        break;
      case "recv-buffer":
        this.resize(value as number);
        break;
      case "recv-timeout":
        this.timeouts!.recv = value as number;
        break;
      case "send-timeout":
        this.timeouts!.send = value as number;
        break;
    }
  }

  close(): void {
    this.owner.forget(this);
    this.queue.close();
  }

  /** A smaller buffer keeps only the newest messages already queued. */
  private resize(capacity: number): void {
    this.queue.setCapacity(capacity);
    let excess = this.queue.length - capacity;
    if (excess <= 0) return;
    this.owner.host.count("rx-drop", excess);
    this.queue.filter(() => excess-- <= 0);
  }
}

/**
 * sub0: receives what publishers send and keeps the messages whose body starts with one of the
 * subscribed topics. Never pushes back on a publisher: a full queue drops a message instead
 * (its oldest with `sub:prefnew`, the default, else the new one). Each context has its own
 * topics and queue, and a message goes to every context it matches.
 *
 * One grace period, because a transport hands over a whole chunk (hundreds of small messages)
 * before the application's receive callbacks can run: a message that would overflow a queue is
 * held and its pipe paused until there is room again or, at the latest, until the end of the
 * current turn of the event loop; then it is delivered as NNG does (dropping), and that pipe's
 * messages are not held again before the next turn. An application that keeps up loses nothing;
 * one that does not read costs the publisher nothing.
 */
class Sub0Protocol implements Protocol {
  readonly options: readonly ProtocolOption[];
  private readonly master: SubContext;
  private readonly contexts: SubContext[] = [];
  /** What new contexts start with: the socket's own recv-buffer and prefnew. */
  private defaultCapacity: number;
  private defaultPrefNew = true;
  /** Pipes paused with a held message, oldest first. */
  private readonly stalled: Pipe[] = [];
  /** Pipes in their lenient window (released by the last end-of-turn flush). */
  private lenient: Pipe[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly retry = (): void => this.releaseFitting();
  private readonly flush = (): void => this.endOfTurn();

  constructor(readonly host: ProtocolHost) {
    this.options = host.raw ? RAW_SUB_OPTIONS : SUB_OPTIONS;
    this.defaultCapacity = host.raw ? 1 : 128;
    this.master = new SubContext(this, this.defaultCapacity, true, null);
    this.master.queue.onSpace = this.retry;
    this.contexts.push(this.master);
  }

  recvTimeout(): number {
    return this.host.option("recv-timeout") as number;
  }

  addPipe(pipe: Pipe): boolean {
    pipe.protoData = { held: null, lenient: false } satisfies SubPipe;
    return true;
  }

  removePipe(pipe: Pipe): void {
    const state = pipe.protoData as SubPipe | null;
    if (state) state.held = null;
    const i = this.stalled.indexOf(pipe);
    if (i >= 0) this.stalled.splice(i, 1);
  }

  pipeMessage(pipe: Pipe, msg: Message): void {
    const state = pipe.protoData as SubPipe;
    if (!state.lenient && !this.closed && this.wouldOverflow(msg.body)) {
      state.held = msg;
      pipe.pause();
      this.stalled.push(pipe);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        defer(this.flush);
      }
      return;
    }
    this.dispatch(msg);
  }

  /** Delivers to every matching context; a full queue drops as `sub:prefnew` says. */
  private dispatch(msg: Message): void {
    if (this.host.raw) {
      if (!this.master.queue.deliverLossy(msg, true)) this.host.count("rx-drop");
      return;
    }
    const body = msg.body;
    const contexts = this.contexts;
    let taken = false;
    for (let i = 0; i < contexts.length; i++) {
      const ctx = contexts[i]!;
      if (!ctx.topics.matches(body)) continue;
      ctx.offer(taken ? msg.dup() : msg);
      taken = true;
    }
  }

  /** True when `body` would be dropped by some context it matches. */
  private wouldOverflow(body: Uint8Array): boolean {
    if (this.host.raw) return this.master.queue.full;
    const contexts = this.contexts;
    for (let i = 0; i < contexts.length; i++) {
      const ctx = contexts[i]!;
      if (ctx.queue.full && ctx.topics.matches(body)) return true;
    }
    return false;
  }

  /** Room appeared somewhere: deliver the held messages that now fit and resume their pipes. */
  private releaseFitting(): void {
    const stalled = this.stalled;
    for (let i = 0; i < stalled.length; ) {
      const pipe = stalled[i]!;
      if (this.wouldOverflow((pipe.protoData as SubPipe).held!.body)) {
        i++;
        continue;
      }
      stalled.splice(i, 1);
      this.release(pipe);
    }
  }

  private release(pipe: Pipe): void {
    const state = pipe.protoData as SubPipe;
    const msg = state.held!;
    state.held = null;
    this.dispatch(msg);
    if (!pipe.closed) pipe.resume();
  }

  /** The end of a turn: what is still held is delivered (dropping) and its pipe gets a lenient turn. */
  private endOfTurn(): void {
    this.flushScheduled = false;
    for (const pipe of this.lenient) (pipe.protoData as SubPipe).lenient = false;
    this.lenient = this.closed ? [] : this.stalled.splice(0);
    for (const pipe of this.lenient) {
      (pipe.protoData as SubPipe).lenient = true;
      this.release(pipe);
    }
    if (this.lenient.length > 0) {
      // ends the lenient window next turn
      this.flushScheduled = true;
      defer(this.flush);
    }
  }

  pipeWritable(_pipe: Pipe): void {}

  send(aio: Aio): void {
    this.master.send(aio);
  }

  recv(aio: Aio): void {
    this.master.recv(aio);
  }

  openContext(): ProtocolContext {
    const ctx = new SubContext(this, this.defaultCapacity, this.defaultPrefNew, {
      recv: this.recvTimeout(),
      send: this.host.option("send-timeout") as number,
    });
    ctx.queue.onSpace = this.retry;
    this.contexts.push(ctx);
    return ctx;
  }

  /** @internal a context closed */
  forget(ctx: SubContext): void {
    const i = this.contexts.indexOf(ctx);
    if (i >= 0) this.contexts.splice(i, 1);
    ctx.queue.onSpace = null;
    this.releaseFitting(); // a held message may have waited for this context only
  }

  getOption(name: string): OptionValue | undefined {
    if (name === "recv-buffer" || name === "sub:prefnew") return this.master.getOption(name);
    return undefined;
  }

  optionChanged(name: string, value: OptionValue): void {
    switch (name) {
      case "recv-buffer":
        this.defaultCapacity = value as number;
        break;
      case "sub:prefnew":
        this.defaultPrefNew = value as boolean;
        break;
      case "sub:subscribe":
      case "sub:unsubscribe":
        break;
      default:
        return;
    }
    this.master.apply(name, value);
  }

  close(): void {
    this.closed = true;
    for (const pipe of this.stalled.splice(0)) (pipe.protoData as SubPipe).held = null;
    for (const ctx of this.contexts.splice(0)) ctx.queue.close();
  }
}

export const sub0: ProtocolFactory = {
  info: { id: 0x21, name: "sub", peerId: 0x20, peerName: "pub" },
  create: (host) => new Sub0Protocol(host),
};
