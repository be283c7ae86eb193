import { type Deferred, defer } from "../core/defer.js";
import { NngError } from "../core/errors.js";
import type { Message } from "../core/message.js";
import type { OptionValue, SockAddr } from "../core/options.js";
import { Ring } from "../core/queue.js";
import type { NngUrl } from "../core/url.js";
import type { Connection, ConnectionHandler, EndpointConfig, Transport, TransportDialer, TransportListener } from "./transport.js";

// How many messages may wait in one direction before the sender sees "busy".
const INBOX_LIMIT = 128;

type Accept = (err: NngError | null, conn: Connection | null) => void;

/** Listeners by name, process-wide, as NNG's inproc namespace. */
const listeners = new Map<string, InprocListener>();

/** One end of an in-process pipe; messages pass by reference, never serialized. */
class InprocConnection implements Connection, Deferred {
  other!: InprocConnection;
  readonly localAddress: SockAddr;
  readonly remoteAddress: SockAddr;
  private handler: ConnectionHandler | null = null;
  private readonly inbox = new Ring<Message>(16);
  private paused = false;
  private scheduled = false;
  private closed = false;
  /** The other side was told "busy" and waits for `writable`. */
  private senderWaiting = false;

  constructor(
    readonly peer: number,
    name: string,
  ) {
    this.localAddress = { family: "inproc", path: name };
    this.remoteAddress = this.localAddress;
  }

  start(handler: ConnectionHandler): void {
    this.handler = handler;
    this.schedule();
  }

  send(msg: Message): boolean {
    if (this.closed) return false;
    // The receiver sees the protocol header at the front of the body, as from the wire.
    if (msg.headerLength) {
      msg.insert(msg.header);
      msg.headerClear();
    }
    return this.other.enqueue(msg);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.schedule();
  }

  close(err?: NngError): void {
    if (this.closed) return;
    this.closed = true;
    this.inbox.drain();
    this.handler?.disconnected(err ?? new NngError("ECLOSED"));
    this.other.close(new NngError("ECONNSHUT"));
  }

  getOption(name: string): OptionValue | undefined {
    if (name === "local-address") return this.localAddress;
    if (name === "remote-address") return this.remoteAddress;
    return undefined;
  }

  private enqueue(msg: Message): boolean {
    if (this.closed) return false;
    this.inbox.push(msg);
    this.schedule();
    if (this.inbox.length < INBOX_LIMIT) return true;
    this.senderWaiting = true;
    return false;
  }

  private schedule(): void {
    if (this.scheduled || this.paused || !this.handler || this.inbox.length === 0) return;
    this.scheduled = true;
    defer(this);
  }

  /** @internal delivers the inbox (scheduled by `schedule`). */
  runDeferred(): void {
    this.scheduled = false;
    const handler = this.handler;
    if (!handler) return;
    while (!this.paused && !this.closed) {
      const msg = this.inbox.shift();
      if (msg === undefined) break;
      handler.received(msg);
    }
    if (this.senderWaiting && this.inbox.length < INBOX_LIMIT && !this.closed) {
      this.senderWaiting = false;
      this.other.notifyWritable();
    }
  }

  private notifyWritable(): void {
    if (!this.closed) this.handler?.writable();
  }
}

class InprocListener implements TransportListener {
  private accept: Accept | null = null;

  constructor(
    private readonly name: string,
    private readonly config: EndpointConfig,
  ) {}

  listen(accept: Accept, done: (err: NngError | null) => void): void {
    if (listeners.has(this.name)) return queueMicrotask(() => done(new NngError("EADDRINUSE")));
    this.accept = accept;
    listeners.set(this.name, this);
    queueMicrotask(() => done(null));
  }

  /** Pairs a dialer with this listener; returns the dialer's end. */
  connectFrom(dialerProto: number): InprocConnection {
    const mine = new InprocConnection(dialerProto, this.name);
    const theirs = new InprocConnection(this.config.proto, this.name);
    mine.other = theirs;
    theirs.other = mine;
    const accept = this.accept!;
    queueMicrotask(() => accept(null, mine));
    return theirs;
  }

  close(done?: () => void): void {
    if (listeners.get(this.name) === this) listeners.delete(this.name);
    this.accept = null;
    if (done) queueMicrotask(done);
  }

  getOption(name: string): OptionValue | undefined {
    if (name === "url") return `inproc://${this.name}`;
    if (name === "local-address") return { family: "inproc", path: this.name };
    return undefined;
  }
}

class InprocDialer implements TransportDialer {
  private closed = false;

  constructor(
    private readonly name: string,
    private readonly config: EndpointConfig,
  ) {}

  connect(done: (err: NngError | null, conn: Connection | null) => void): void {
    queueMicrotask(() => {
      if (this.closed) return done(new NngError("ECLOSED"), null);
      const listener = listeners.get(this.name);
      if (!listener) return done(new NngError("ECONNREFUSED"), null);
      done(null, listener.connectFrom(this.config.proto));
    });
  }

  close(): void {
    this.closed = true;
  }

  getOption(name: string): OptionValue | undefined {
    return name === "url" ? `inproc://${this.name}` : undefined;
  }
}

function inprocName(url: NngUrl): string {
  if (url.path === "") throw new NngError("EADDRINVAL", "inproc URL without a name");
  return url.path;
}

export const inprocTransport: Transport = {
  schemes: ["inproc"],
  options: [],
  dialer: (url, config) => new InprocDialer(inprocName(url), config),
  listener: (url, config) => new InprocListener(inprocName(url), config),
};
