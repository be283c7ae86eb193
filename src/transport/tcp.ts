import * as net from "node:net";
import { NngError } from "../core/errors.js";
import type { OptionSpec, OptionValue, SockAddr } from "../core/options.js";
import { formatUrl, type NngUrl, socketAddress } from "../core/url.js";
import { negotiate } from "./stream.js";
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

/** Connects a tcp socket to `url`; `done` gets the raw socket once connected. */
/** libnng's tcp refuses URLs with anything beyond host and port. */
export function tcpSocketAddress(url: NngUrl, listening: boolean): ReturnType<typeof socketAddress> {
  if ((url.path !== "" && url.path !== "/") || url.query !== "" || url.fragment !== "" || url.userinfo !== "") {
    throw new NngError("EADDRINVAL", `${url.raw}: a tcp address has no path`);
  }
  return socketAddress(url, listening);
}

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

class TcpDialer implements TransportDialer {
  private abort: (() => void) | null = null;
  private closed = false;

  constructor(
    private readonly url: NngUrl,
    private readonly config: EndpointConfig,
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
      // Closing the dialer also abandons a handshake in progress (done then gets its error).
      this.abort = () => sock.destroy();
      negotiate(
        sock,
        this.config,
        {
          ipc: false,
          localAddress: inetAddress(sock.localAddress, sock.localFamily, sock.localPort),
          remoteAddress: inetAddress(sock.remoteAddress, sock.remoteFamily, sock.remotePort),
          options: tcpPipeOptions(sock, this.config),
        },
        (err, conn) => {
          this.abort = null;
          done(err, conn);
        },
      );
    });
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

/** Accepts stream connections on a Node server and negotiates each. Shared by tcp and ipc. */
export abstract class StreamListener implements TransportListener {
  protected server: net.Server | null = null;
  private readonly live = new Set<net.Socket>();

  constructor(protected readonly config: EndpointConfig) {}

  protected abstract bind(server: net.Server, done: (err: NngError | null) => void): void;
  protected abstract setup(sock: net.Socket): { ipc: boolean; localAddress: SockAddr; remoteAddress: SockAddr; options?: (name: string) => OptionValue | undefined };
  abstract getOption(name: string): OptionValue | undefined;

  listen(accept: (err: NngError | null, conn: Connection | null) => void, done: (err: NngError | null) => void): void {
    const server = net.createServer({ pauseOnConnect: false });
    this.server = server;
    server.on("connection", (sock) => {
      this.live.add(sock);
      sock.once("close", () => this.live.delete(sock));
      negotiate(sock, this.config, this.setup(sock), (err, conn) => {
        this.live.delete(sock);
        accept(err, conn);
      });
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

class TcpListener extends StreamListener {
  constructor(
    private readonly url: NngUrl,
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

  protected setup(sock: net.Socket) {
    applyTcpOptions(sock, this.config);
    return {
      ipc: false,
      localAddress: inetAddress(sock.localAddress, sock.localFamily, sock.localPort),
      remoteAddress: inetAddress(sock.remoteAddress, sock.remoteFamily, sock.remotePort),
      options: tcpPipeOptions(sock, this.config),
    };
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

const tcpOptions: OptionSpec[] = [
  { name: "tcp-nodelay", kind: "bool" },
  { name: "tcp-keepalive", kind: "bool" },
  { name: "tcp-bound-port", kind: "int", readOnly: true },
];

export const tcpTransport: Transport = {
  schemes: ["tcp", "tcp4", "tcp6"],
  options: tcpOptions,
  dialer: (url, config) => new TcpDialer(url, config),
  listener: (url, config) => new TcpListener(url, config),
};
