import * as net from "node:net";
import { NngError } from "../core/errors.js";
import type { OptionSpec, OptionValue, SockAddr } from "../core/options.js";
import { formatUrl, type NngUrl, socketAddress } from "../core/url.js";
import { negotiate, type StreamInfo } from "./stream.js";
import type { Connection, EndpointConfig, Transport, TransportDialer, TransportListener } from "./transport.js";

export function inetAddress(address: string | undefined, family: string | undefined, port: number | undefined): SockAddr {
  return { family: family === "IPv6" ? "inet6" : "inet", address: address ?? "", port: port ?? 0 };
}

/** Applies the tcp options of an endpoint to a connected socket. */
export function applyTcpOptions(sock: net.Socket, config: EndpointConfig): void {
  sock.setNoDelay(config.option("tcp-nodelay") !== false);
  if (config.option("tcp-keepalive") === true) sock.setKeepAlive(true);
}

function tcpPipeOptions(sock: net.Socket, config: EndpointConfig): (name: string) => OptionValue | undefined {
  return (name) => {
    if (name === "tcp-nodelay") return config.option("tcp-nodelay") !== false;
    if (name === "tcp-keepalive") return config.option("tcp-keepalive") === true;
    return undefined;
  };
}

/** libnng's tcp refuses URLs with anything beyond host and port. */
function checkHostPortOnly(url: NngUrl): void {
  if ((url.path !== "" && url.path !== "/") || url.query !== "" || url.fragment !== "" || url.userinfo !== "") {
    throw new NngError("EADDRINVAL", `${url.raw}: a tcp address has no path`);
  }
}

/** Where a tcp URL connects or binds; EADDRINVAL for what libnng's tcp refuses. */
export function tcpSocketAddress(url: NngUrl, listening: boolean): ReturnType<typeof socketAddress> {
  checkHostPortOnly(url);
  return socketAddress(url, listening);
}

/**
 * What nng_dialer_create / nng_listener_create refuse for tcp and tls+tcp (libnng 1.5.2), before the
 * endpoint starts: anything beyond host and port; a dialer without a host or a port; a listener with
 * a port out of range, or with a host that looks like an IPv4 literal and is not one (libnng resolves
 * a listener's address when it is created). Everything else is found when the endpoint starts.
 */
export function checkTcpAddress(url: NngUrl, role: "dialer" | "listener"): void {
  checkHostPortOnly(url);
  const { hostname: host, port } = url;
  if (role === "dialer") {
    if (host === "" || port === "") throw new NngError("EADDRINVAL", `${url.raw}: a tcp dialer needs a host and a port`);
    return;
  }
  if (port !== "" && !(/^\d+$/.test(port) && Number(port) <= 65535)) throw new NngError("EADDRINVAL", `${url.raw}: bad port`);
  if (host !== "" && host !== "*" && net.isIP(host) === 0 && /^[\d.]+$/.test(host)) {
    throw new NngError("EADDRINVAL", `${url.raw}: bad IPv4 address`);
  }
}

/** Connects a tcp socket to `url`; `done` gets the raw socket once connected. */
export function tcpConnect(url: NngUrl, done: (err: NngError | null, sock: net.Socket | null) => void): () => void {
  let addr: ReturnType<typeof socketAddress>;
  try {
    addr = tcpSocketAddress(url, false);
  } catch (e) {
    queueMicrotask(() => done(e as NngError, null));
    return () => {};
  }
  const sock = net.connect({ host: addr.host, port: addr.port, ...(addr.family ? { family: addr.family } : {}) });
  let settled = false;
  const settle = (err: NngError | null): void => {
    if (settled) return;
    settled = true;
    sock.off("error", onError);
    sock.off("connect", onConnect);
    if (err) {
      sock.destroy();
      done(err, null);
    } else done(null, sock);
  };
  const onError = (e: Error): void => settle(NngError.fromSystem(e));
  const onConnect = (): void => settle(null);
  sock.once("error", onError);
  sock.once("connect", onConnect);
  return () => settle(new NngError("ECLOSED"));
}

/** Dials tcp and negotiates; `secure` lets tls run its handshake on the socket first. */
export class TcpDialer implements TransportDialer {
  private abort: (() => void) | null = null;
  private closed = false;

  constructor(
    protected readonly url: NngUrl,
    protected readonly config: EndpointConfig,
  ) {}

  connect(done: (err: NngError | null, conn: Connection | null) => void): void {
    if (this.closed) {
      queueMicrotask(() => done(new NngError("ECLOSED"), null));
      return;
    }
    this.abort = tcpConnect(this.url, (err, sock) => {
      this.abort = null;
      if (err || !sock) return done(err, null);
      if (this.closed) {
        sock.destroy();
        return done(new NngError("ECLOSED"), null);
      }
      applyTcpOptions(sock, this.config);
      let secured = false;
      const abortSecure = this.secure(sock, (err2, stream) => {
        secured = true;
        this.abort = null;
        if (err2 || !stream) return done(err2, null);
        if (this.closed) {
          stream.destroy();
          return done(new NngError("ECLOSED"), null);
        }
        // Closing the dialer also abandons the SP handshake in progress (done then gets its error).
        this.abort = () => stream.destroy();
        negotiate(stream, this.config, this.streamInfo(stream), (err3, conn) => {
          this.abort = null;
          done(err3, conn);
        });
      });
      // plain tcp secures at once (inside the call above), and has set its own abort by now
      if (!secured) this.abort = abortSecure;
    });
  }

  /**
   * Turns the connected socket into the stream the SP handshake runs on (plain tcp: itself).
   * Returns a function that abandons the attempt.
   */
  protected secure(sock: net.Socket, done: (err: NngError | null, stream: net.Socket | null) => void): () => void {
    done(null, sock);
    return () => {};
  }

  protected streamInfo(stream: net.Socket): StreamInfo {
    return tcpStreamInfo(stream, this.config);
  }

  close(): void {
    this.closed = true;
    this.abort?.();
  }

  getOption(name: string): OptionValue | undefined {
    if (name === "url") return this.url.raw;
    return undefined;
  }
}

/** Addresses and tcp options of a pipe over tcp (or tls over tcp). */
export function tcpStreamInfo(sock: net.Socket, config: EndpointConfig): StreamInfo {
  return {
    ipc: false,
    localAddress: inetAddress(sock.localAddress, sock.localFamily, sock.localPort),
    remoteAddress: inetAddress(sock.remoteAddress, sock.remoteFamily, sock.remotePort),
    options: tcpPipeOptions(sock, config),
  };
}

/** Accepts stream connections on a Node server and negotiates each. Shared by tcp, ipc and tls. */
export abstract class StreamListener implements TransportListener {
  protected server: net.Server | null = null;
  /** Raw connections not yet handed on (still in the tls or SP handshake). */
  private readonly live = new Set<net.Socket>();

  constructor(protected readonly config: EndpointConfig) {}

  protected abstract bind(server: net.Server, done: (err: NngError | null) => void): void;
  protected abstract setup(stream: net.Socket): StreamInfo;
  abstract getOption(name: string): OptionValue | undefined;

  /**
   * The server to listen with. It hands every stream ready for the SP handshake to `ready`, and
   * reports streams that failed before that (a tls handshake) to `failed`. Plain: a net server.
   */
  protected createServer(ready: (stream: net.Socket) => void, _failed: (err: NngError) => void): net.Server {
    const server = net.createServer({ pauseOnConnect: false });
    server.on("connection", ready);
    return server;
  }

  /** Runs first for every accepted connection (tcp options go on the raw socket). */
  protected prepare(_raw: net.Socket): void {}

  /** The raw connection under a stream (the same socket unless a tls layer wraps it). */
  protected rawOf(stream: net.Socket, _live: ReadonlySet<net.Socket>): net.Socket {
    return stream;
  }

  listen(accept: (err: NngError | null, conn: Connection | null) => void, done: (err: NngError | null) => void): void {
    const server = this.createServer(
      (stream) => {
        negotiate(stream, this.config, this.setup(stream), (err, conn) => {
          this.live.delete(this.rawOf(stream, this.live));
          accept(err, conn);
        });
      },
      (err) => accept(err, null),
    );
    this.server = server;
    // Before the server's own listeners: a tls server wraps the socket in its "connection" handler.
    server.prependListener("connection", (raw: net.Socket) => {
      this.live.add(raw);
      raw.once("close", () => this.live.delete(raw));
      this.prepare(raw);
    });
    this.bind(server, done);
  }

  close(done?: () => void): void {
    const server = this.server;
    this.server = null;
    if (server?.listening) server.close(() => done?.());
    else queueMicrotask(() => done?.());
    // Connections still negotiating belong to nobody yet.
    for (const s of this.live) s.destroy();
    this.live.clear();
  }
}

/** Binds a server, reporting the first error as NNG's code. */
export function bindServer(server: net.Server, options: net.ListenOptions, done: (err: NngError | null) => void): void {
  const onError = (e: Error): void => {
    server.off("listening", onListening);
    done(NngError.fromSystem(e));
  };
  const onListening = (): void => {
    server.off("error", onError);
    done(null);
  };
  server.once("error", onError);
  server.once("listening", onListening);
  server.listen(options);
}

export class TcpListener extends StreamListener {
  constructor(
    protected readonly url: NngUrl,
    config: EndpointConfig,
  ) {
    super(config);
  }

  protected bind(server: net.Server, done: (err: NngError | null) => void): void {
    let addr: ReturnType<typeof socketAddress>;
    try {
      addr = tcpSocketAddress(this.url, true);
    } catch (e) {
      queueMicrotask(() => done(e as NngError));
      return;
    }
    const host = addr.host === "" || addr.host === "*" ? undefined : addr.host;
    const options: net.ListenOptions = { port: addr.port, exclusive: true };
    if (host !== undefined) options.host = host;
    else if (addr.family === 4) options.host = "0.0.0.0";
    else if (addr.family === 6) options.host = "::";
    bindServer(server, options, done);
  }

  protected override prepare(raw: net.Socket): void {
    applyTcpOptions(raw, this.config);
  }

  protected setup(stream: net.Socket): StreamInfo {
    return tcpStreamInfo(stream, this.config);
  }

  getOption(name: string): OptionValue | undefined {
    const bound = this.server?.address();
    const port = bound && typeof bound === "object" ? bound.port : undefined;
    switch (name) {
      case "tcp-bound-port":
        return port ?? 0;
      case "url":
        return port !== undefined ? formatUrl(this.url, port) : this.url.raw;
      case "local-address":
        return bound && typeof bound === "object" ? inetAddress(bound.address, bound.family, bound.port) : undefined;
      default:
        return undefined;
    }
  }
}

/** The tcp options, shared by the transports that run on tcp (tls+tcp). */
export const TCP_OPTIONS: readonly OptionSpec[] = [
  { name: "tcp-nodelay", kind: "bool" },
  { name: "tcp-keepalive", kind: "bool" },
  { name: "tcp-bound-port", kind: "int", readOnly: true },
];

export const tcpTransport: Transport = {
  schemes: ["tcp", "tcp4", "tcp6"],
  options: TCP_OPTIONS,
  checkAddress: checkTcpAddress,
  dialer: (url, config) => new TcpDialer(url, config),
  listener: (url, config) => new TcpListener(url, config),
};
