// A transport for fuzzing protocols: its connections are driven by the test, synchronously, so a
// fuzz input reaches a protocol's header parsing through the real Socket and Pipe without I/O.
import { NngError } from "../../src/core/errors.js";
import { Message } from "../../src/core/message.js";
import type { OptionValue, SockAddr } from "../../src/core/options.js";
import type { Connection, ConnectionHandler, Transport } from "../../src/transport/transport.js";

const ADDR: SockAddr = { family: "inproc", path: "fuzz" };

export class FakeConnection implements Connection {
  readonly localAddress = ADDR;
  readonly remoteAddress = ADDR;
  handler: ConnectionHandler | null = null;
  closed = false;
  closeError: NngError | null = null;
  paused = false;
  /** What the socket sent to this peer (kept bounded). */
  sent: Message[] = [];

  constructor(readonly peer: number) {}

  start(handler: ConnectionHandler): void {
    this.handler = handler;
  }

  /** Delivers bytes as if they had arrived from the wire (protocol header then payload). */
  inject(bytes: Uint8Array): void {
    if (this.closed || !this.handler) return;
    this.handler.received(Message.wrap(bytes.slice()));
  }

  send(msg: Message): boolean {
    if (this.closed) return false;
    if (this.sent.length >= 64) this.sent.shift();
    this.sent.push(msg);
    return true;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  close(err?: NngError): void {
    if (this.closed) return;
    this.closed = true;
    this.closeError = err ?? null;
    this.handler?.disconnected(err ?? new NngError("ECLOSED"));
  }

  getOption(_name: string): OptionValue | undefined {
    return undefined;
  }
}

/** The peer protocol the next connection claims, and the connections made so far. */
export const fakeWire = {
  nextPeer: 0,
  last: null as FakeConnection | null,
};

export const fakeTransport: Transport = {
  schemes: ["fuzz"],
  options: [],
  dialer: () => ({
    connect(done) {
      const conn = new FakeConnection(fakeWire.nextPeer);
      fakeWire.last = conn;
      queueMicrotask(() => done(null, conn));
    },
    close() {},
    getOption: () => undefined,
  }),
  listener: () => {
    throw new NngError("ENOTSUP", "the fuzz transport only dials");
  },
};
