// socket:// (NNG >= 1.7, nng_socket_transport): a listener that adopts streams that are already
// connected — a file descriptor through the `socket:fd` option, or a Node socket / Duplex through
// `adoptStream` — and runs the SP handshake on each (tcp framing). There is no dialer.
import * as net from "node:net";
import type { Duplex } from "node:stream";
import { NngError } from "../core/errors.js";
import type { OptionSpec, OptionValue, SockAddr } from "../core/options.js";
import type { NngUrl } from "../core/url.js";
import type { Listener } from "../socket/endpoint.js";
import { type ByteStream, negotiate } from "./stream.js";
import type { Connection, EndpointConfig, Transport, TransportDialer, TransportListener } from "./transport.js";

/** As NNG: a listener holds at most this many streams handed over before it started. */
const QUEUE_MAX = 16;

const UNSPEC: SockAddr = { family: "unspec" };

/** Streams handed to a listener that has not started yet, by listener. */
const waiting = new WeakMap<EndpointConfig, ByteStream[]>();
/** Started socket:// listeners, by the endpoint that owns them. */
const running = new WeakMap<EndpointConfig, SocketListener>();

class SocketListener implements TransportListener {
  private accept: ((err: NngError | null, conn: Connection | null) => void) | null = null;
  private closed = false;
  /** Streams in the SP handshake. */
  private readonly live = new Set<ByteStream>();

  constructor(
    private readonly url: NngUrl,
    private readonly config: EndpointConfig,
  ) {}

  listen(accept: (err: NngError | null, conn: Connection | null) => void, done: (err: NngError | null) => void): void {
    this.accept = accept;
    running.set(this.config, this);
    const early = waiting.get(this.config) ?? [];
    waiting.delete(this.config);
    queueMicrotask(() => {
      done(null);
      for (const s of early) this.adopt(s);
    });
  }

  adopt(stream: ByteStream): void {
    const accept = this.accept;
    if (this.closed || !accept) {
      stream.destroy();
      throw new NngError("ECLOSED");
    }
    this.live.add(stream);
    // A Duplex may allow half-open streams; a pipe does not (as a net.Socket by default).
    if (!(stream instanceof net.Socket)) stream.once("end", () => stream.destroy());
    negotiate(stream, this.config, { ipc: false, localAddress: UNSPEC, remoteAddress: UNSPEC }, (err, conn) => {
      this.live.delete(stream);
      accept(err, conn);
    });
  }

  close(done?: () => void): void {
    this.closed = true;
    running.delete(this.config);
    for (const s of this.live) s.destroy();
    this.live.clear();
    queueMicrotask(() => done?.());
  }

  getOption(name: string): OptionValue | undefined {
    if (name === "url") return this.url.raw;
    if (name === "local-address") return UNSPEC;
    return undefined;
  }
}

/** Hands a stream to the listener of `endpoint`, or keeps it until the listener starts. */
function handOver(endpoint: EndpointConfig, stream: ByteStream): void {
  const listener = running.get(endpoint);
  if (listener) return listener.adopt(stream);
  const queue = waiting.get(endpoint) ?? [];
  if (queue.length >= QUEUE_MAX) {
    stream.destroy();
    throw new NngError("ENOSPC", "too many streams waiting for the listener to start");
  }
  queue.push(stream);
  waiting.set(endpoint, queue);
}

function streamFromFd(fd: number): net.Socket {
  try {
    return new net.Socket({ fd, readable: true, writable: true });
  } catch (e) {
    throw new NngError("EINVAL", `socket:fd ${fd}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Adopts an already-connected stream (a `net.Socket`, or any Duplex moving bytes) as a pipe of a
 * `socket://` listener: the SP handshake runs on it, then it is a pipe like any other. Before the
 * listener starts, streams wait (up to 16, then ENOSPC). ECLOSED on a closed listener, ENOTSUP on
 * a listener of another transport. The listener owns the stream from now on.
 */
export function adoptStream(listener: Listener, stream: Duplex): void {
  if (!listener.url.toLowerCase().startsWith("socket://")) {
    throw new NngError("ENOTSUP", `${listener.url} is not a socket:// listener`);
  }
  if (listener.isClosed) {
    stream.destroy();
    throw new NngError("ECLOSED");
  }
  handOver(listener, stream);
}

const socketOptions: OptionSpec[] = [{ name: "socket:fd", kind: "int", min: 0, max: 0x7fffffff, writeOnly: true }];

export const socketTransport: Transport = {
  schemes: ["socket"],
  options: socketOptions,
  setEndpointOption(endpoint, role, name, value) {
    if (name !== "socket:fd") return false;
    if (role === "dialer") throw new NngError("ENOTSUP", "socket:// has no dialer");
    handOver(endpoint, streamFromFd(value as number));
    return true;
  },
  dialer: (): TransportDialer => {
    throw new NngError("ENOTSUP", "socket:// has no dialer");
  },
  listener: (url, config) => new SocketListener(url, config),
};
