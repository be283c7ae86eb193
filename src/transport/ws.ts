// ws:// and wss:// on Node, on the `ws` package: dialers, listeners sharing a host:port by path,
// and listeners on an application's own http(s).Server (`shareHttpServer`). wss:// takes its TLS
// options, checks and error codes from tls-config.ts, as tls+tcp:// does.
import type { IncomingMessage } from "node:http";
import type * as http from "node:http";
import type * as https from "node:https";
import type { Socket as NetSocket, createConnection } from "node:net";
import type { Duplex } from "node:stream";
import type * as tls from "node:tls";
import type WebSocket from "ws";
import type { WebSocketServer } from "ws";
import { NngError } from "../core/errors.js";
import type { Message } from "../core/message.js";
import type { OptionSpec, OptionValue } from "../core/options.js";
import { formatUrl, type NngUrl } from "../core/url.js";
import { nodeHttp, nodeHttps, nodeTls, wsPackage } from "./lazy-modules.js";
import { negotiationTimeout } from "./stream.js";
import { bindServer, inetAddress } from "./tcp.js";
import type { Connection, EndpointConfig, Transport, TransportDialer, TransportListener } from "./transport.js";
import {
  clientUrl,
  closeError,
  formatHeaderLines,
  offersSubprotocol,
  parseHeaderLines,
  sizeOption,
  stringOption,
  subprotocol,
  WS_CLOSE,
  WS_OPTIONS,
  WS_RXFRAME_MAX_DEFAULT,
  WS_TXFRAME_MAX_DEFAULT,
  WsConnection,
  type WsConnectionInfo,
  wireBytes,
  wsNames,
  wsTarget,
  type WsTarget,
} from "./ws-common.js";
import { FrameGuard } from "./ws-frame-guard.js";
import { encodeFrame, OP_BINARY, OP_CONTINUATION } from "./ws-frame-writer.js";
import {
  isTlsErrorCode,
  refusedClient,
  TLS_OPTIONS,
  tlsClientOptions,
  tlsError,
  tlsPipeOptions,
  tlsServerOptions,
  type TlsSettings,
  tlsServerName,
  tlsSettings,
} from "./tls-config.js";

/** After sending a close frame, wait this long for the peer's before dropping the connection (as NNG). */
const CLOSE_LINGER_MS = 100;
/** An owned server checks for stalled HTTP handshakes this often. */
const HANDSHAKE_CHECK_MS = 1000;


type Accept = (err: NngError | null, conn: Connection | null) => void;

/** An error from the `ws` package (or the socket under it) as NNG's code. */
function wsError(e: unknown): NngError {
  if (e instanceof NngError) return e;
  const code = (e as { code?: unknown }).code;
  const text = e instanceof Error ? e.message : String(e);
  if (typeof code === "string") {
    if (code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") return new NngError("EMSGSIZE", text);
    if (code.startsWith("WS_ERR_") || code.startsWith("HPE_")) return new NngError("EPROTO", text);
    // Certificates and handshakes of wss: the codes of tls+tcp.
    if (isTlsErrorCode(code)) return tlsError(e);
  }
  if (/handshake has timed out/.test(text)) return new NngError("ETIMEDOUT", text);
  if (/subprotocol|Upgrade header|Sec-WebSocket/.test(text)) return new NngError("EPROTO", text);
  return NngError.fromSystem(e);
}

/** NNG's dialer reading of a refused handshake's HTTP status. */
function statusError(status: number): NngError {
  if (status === 401 || status === 403) return new NngError("EPERM", `HTTP ${status}`);
  if (status === 404 || status === 405) return new NngError("ECONNREFUSED", `HTTP ${status}`);
  return new NngError("EPROTO", `HTTP ${status}`);
}

function rawHeaderText(raw: readonly string[]): string {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
  return formatHeaderLines(pairs);
}

function responseHeaderText(lines: readonly string[]): string {
  return lines
    .slice(1)
    .map((l) => `${l}\r\n`)
    .join("");
}

function uncorkLater(conn: NodeWsConnection): void {
  conn.uncork();
}

class NodeWsConnection extends WsConnection {
  private corked = false;
  private toldBusy = false;
  private linger: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly ws: WebSocket,
    private readonly sock: NetSocket,
    info: WsConnectionInfo,
    private readonly txFrameMax: number,
    /** Client frames are masked. */
    private readonly client: boolean,
  ) {
    super(info);
    ws.pause(); // until the pipe starts
    ws.on("message", (data: Buffer, isBinary: boolean) => this.received(isBinary ? data : ""));
    ws.on("error", (e) => this.lost(wsError(e)));
    ws.on("close", (code: number, reason: Buffer) => {
      if (this.linger) clearTimeout(this.linger);
      this.lost(closeError(code, reason.toString()));
    });
    sock.on("drain", () => {
      if (!this.toldBusy) return;
      this.toldBusy = false;
      this.drained();
    });
  }

  /** The frame guard found a frame the peer must not send. */
  violation(code: number, why: string): void {
    this.fail(code, new NngError(code === WS_CLOSE.TOO_BIG ? "EMSGSIZE" : "EPROTO", why));
  }

  send(msg: Message): boolean {
    if (this.closed) return false;
    if (!this.corked) {
      // Frames sent within one turn of the event loop leave in one write.
      this.corked = true;
      this.sock.cork();
      process.nextTick(uncorkLater, this);
    }
    // After a close frame (ours or the peer's) no data may follow; the pipe closes shortly.
    if (this.ws.readyState !== this.ws.OPEN) return true;
    const max = this.txFrameMax;
    const bytes = msg.headerLength === 0 ? msg.body : wireBytes(msg);
    const size = bytes.length;
    // The `ws` package only reads; frames are written here (see ws-frame-writer.ts).
    let at = 0;
    do {
      const end = max === 0 ? size : Math.min(size, at + max);
      for (const piece of encodeFrame(at === 0 ? OP_BINARY : OP_CONTINUATION, end === size, bytes.subarray(at, end), this.client)) {
        this.sock.write(piece);
      }
      at = end;
    } while (at < size);
    if (!this.sock.writableNeedDrain) return true;
    this.toldBusy = true;
    return false;
  }

  uncork(): void {
    this.corked = false;
    this.sock.uncork();
  }

  protected pauseInput(): void {
    this.ws.pause();
  }

  protected resumeInput(): void {
    this.ws.resume();
  }

  protected closeSocket(code: number, reason: string): void {
    if (this.corked) this.uncork();
    const ws = this.ws;
    if (ws.readyState !== ws.OPEN) return ws.terminate();
    ws.close(code, reason);
    // Nothing more from this peer is wanted; only its close frame would be read.
    if (code !== WS_CLOSE.NORMAL) this.sock.pause();
    this.linger = setTimeout(() => ws.terminate(), CLOSE_LINGER_MS);
  }
}

function connectionInfo(
  sock: NetSocket,
  config: EndpointConfig,
  peer: number,
  requestHeaders: string,
  responseHeaders: string,
  requestUri: string,
): WsConnectionInfo {
  return {
    peer,
    localAddress: inetAddress(sock.localAddress, sock.localFamily, sock.localPort),
    remoteAddress: inetAddress(sock.remoteAddress, sock.remoteFamily, sock.remotePort),
    recvMax: sizeOption(config, "recv-size-max", 0),
    requestHeaders,
    responseHeaders,
    requestUri,
    ...(sock instanceof nodeTls().TLSSocket ? { options: tlsPipeOptions(sock) } : {}),
  };
}

/** Wires a frame guard in front of the `ws` decoder of `sock` (it sees every byte first). */
function guard(sock: Duplex, config: EndpointConfig, violation: (code: number, why: string) => void): void {
  const g = new FrameGuard(sizeOption(config, "ws:rxframe-max", WS_RXFRAME_MAX_DEFAULT), violation);
  sock.prependListener("data", (chunk: Buffer) => g.push(chunk));
}

/**
 * wss: the `ws` package opens its connection with this, so the TLS under the WebSocket is made as
 * tls+tcp makes it (context, verification per tls-authmode, server name).
 */
function tlsConnector(settings: TlsSettings, name: string): typeof createConnection {
  const connect = (options: tls.ConnectionOptions): tls.TLSSocket =>
    // `path` is the HTTP request's here, not a unix socket to connect to.
    nodeTls().connect({ ...options, path: undefined, ...tlsClientOptions(settings, name) });
  return connect as typeof createConnection;
}

class NodeWsDialer implements TransportDialer {
  private abort: (() => void) | null = null;
  private closed = false;
  private readonly target: WsTarget;
  /** wss: how the TLS connection under the WebSocket is made. */
  private readonly connectTls: typeof createConnection | undefined;

  constructor(
    private readonly url: NngUrl,
    private readonly config: EndpointConfig,
  ) {
    this.target = wsTarget(url, false);
    wsNames(config);
    if (this.target.secure) this.connectTls = tlsConnector(tlsSettings(config, false), tlsServerName(config, url.hostname));
  }

  connect(done: Accept): void {
    if (this.closed) return queueMicrotask(() => done(new NngError("ECLOSED"), null));
    const names = wsNames(this.config);
    const wanted = subprotocol(names.peer);
    const extra = parseHeaderLines(stringOption(this.config, "ws:request-headers"));
    let ws: WebSocket;
    try {
      ws = new (wsPackage())(clientUrl(this.target), [wanted], {
        headers: Object.fromEntries(extra),
        perMessageDeflate: false,
        maxPayload: sizeOption(this.config, "recv-size-max", 0),
        skipUTF8Validation: true,
        followRedirects: false,
        handshakeTimeout: negotiationTimeout(this.config),
        ...(this.target.family ? { family: this.target.family } : {}),
        ...(this.connectTls ? { createConnection: this.connectTls } : {}),
      });
    } catch (e) {
      return queueMicrotask(() => done(wsError(e), null));
    }
    let conn: NodeWsConnection | null = null;
    let violated: [number, string] | null = null;
    let responseHeaders = "";
    let settled = false;
    const settle = (err: NngError | null): void => {
      if (settled) return;
      settled = true;
      this.abort = null;
      ws.off("upgrade", onUpgrade).off("unexpected-response", onResponse).off("open", onOpen).off("error", onError).off("close", onClose);
      if (err) {
        ws.on("error", () => {});
        ws.terminate();
        return done(err, null);
      }
      const sock = (ws as unknown as { _socket: NetSocket })._socket;
      const requestHeaders = formatHeaderLines([["Sec-WebSocket-Protocol", wanted], ...extra]);
      conn = new NodeWsConnection(
        ws,
        sock,
        connectionInfo(sock, this.config, names.peerProto, requestHeaders, responseHeaders, this.target.requestUri),
        sizeOption(this.config, "ws:txframe-max", WS_TXFRAME_MAX_DEFAULT),
        true,
      );
      if (violated) conn.violation(...violated);
      done(null, conn);
    };
    const onUpgrade = (res: IncomingMessage): void => {
      responseHeaders = rawHeaderText(res.rawHeaders);
      guard(res.socket, this.config, (code, why) => {
        if (conn) conn.violation(code, why);
        else violated = [code, why];
      });
    };
    const onResponse = (_req: http.ClientRequest, res: IncomingMessage): void => {
      res.resume();
      settle(statusError(res.statusCode ?? 0));
    };
    const onOpen = (): void => settle(this.closed ? new NngError("ECLOSED") : null);
    const onError = (e: Error): void => settle(wsError(e));
    const onClose = (): void => settle(new NngError("ECONNSHUT", "closed during the WebSocket handshake"));
    ws.on("upgrade", onUpgrade).on("unexpected-response", onResponse).on("open", onOpen).on("error", onError).on("close", onClose);
    this.abort = () => settle(new NngError("ECLOSED"));
  }

  close(): void {
    this.closed = true;
    this.abort?.();
  }

  getOption(name: string): OptionValue | undefined {
    return name === "url" ? this.url.raw : undefined;
  }
}

// ---- listeners and the HTTP servers they share ----

/** Writes a bare HTTP error reply on a socket that asked for an upgrade, then drops it. */
function refuseUpgrade(sock: Duplex, status: number): void {
  const text = nodeHttp().STATUS_CODES[status] ?? "Error";
  sock.on("error", () => {});
  sock.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  setTimeout(() => sock.destroy(), CLOSE_LINGER_MS).unref();
}

function requestPath(req: IncomingMessage): string {
  const raw = req.url ?? "/";
  const q = raw.search(/[?#]/);
  const path = q < 0 ? raw : raw.slice(0, q);
  return path === "" ? "/" : path;
}

/** One HTTP server and the ws listeners on it, by path. */
class Hub {
  readonly routes = new Map<string, NodeWsListener>();

  constructor(
    readonly server: http.Server,
    /** Created by nngts (closed with its last listener) or the application's (left running). */
    readonly owned: boolean,
    readonly secure: boolean,
  ) {
    server.on("upgrade", this.onUpgrade);
    if (owned) server.on("request", this.onRequest);
  }

  get port(): number {
    const a = this.server.address();
    return a && typeof a === "object" ? a.port : 0;
  }

  get address(): string {
    const a = this.server.address();
    return a && typeof a === "object" ? a.address : "";
  }

  private readonly onUpgrade = (req: IncomingMessage, sock: Duplex, head: Buffer): void => {
    const l = this.routes.get(requestPath(req));
    if (l) return l.upgrade(req, sock, head);
    // On an application's server, other upgrade handlers may own this path.
    if (this.owned) refuseUpgrade(sock, 404);
  };

  private readonly onRequest = (req: IncomingMessage, res: http.ServerResponse): void => {
    res.writeHead(this.routes.has(requestPath(req)) ? 400 : 404, { Connection: "close" }).end();
  };

  /** wss: turns away the clients tls-authmode refuses, reported with NNG's codes as tls+tcp does. */
  checkClients(settings: TlsSettings): void {
    // After https's own handler: the HTTP parser attached to the stream has read nothing yet.
    this.server.on("secureConnection", (stream: tls.TLSSocket) => {
      const refused = refusedClient(settings, stream);
      if (!refused) return;
      stream.destroy();
      this.refused(refused);
    });
    this.server.on("tlsClientError", (err: Error, stream: tls.TLSSocket) => {
      stream.destroy();
      this.refused(tlsError(err));
    });
  }

  /** A connection failed before any path was asked for: one listener of this server counts it. */
  private refused(err: NngError): void {
    for (const l of this.routes.values()) return l.refuse(err);
  }

  detach(): void {
    this.server.off("upgrade", this.onUpgrade);
    this.server.off("request", this.onRequest);
  }
}

/** Servers nngts owns, by "scheme host:port" once bound. */
const ownedHubs = new Map<string, Hub>();
/** Application servers offered with `shareHttpServer`. */
const sharedHubs = new Map<http.Server, Hub>();

function hubKey(secure: boolean, host: string, port: number): string {
  return `${secure ? "wss" : "ws"} ${host}:${port}`;
}

function findHub(t: WsTarget): Hub | undefined {
  if (t.port === 0) return undefined;
  for (const hub of sharedHubs.values()) {
    if (hub.secure !== t.secure || hub.port !== t.port) continue;
    const a = hub.address;
    if (a === t.host || a === "0.0.0.0" || a === "::" || t.host === "0.0.0.0") return hub;
  }
  return ownedHubs.get(hubKey(t.secure, t.host, t.port));
}

/**
 * Lets ws:// (or wss:// for an https.Server) listeners use an application's own HTTP server:
 * a listener whose URL names the server's port is served by it, dispatched by path, so nngts
 * and a web app share one port. Requests for other paths are left to the application.
 * Returns a function that stops sharing (listeners already using the server keep it).
 */
export function shareHttpServer(server: http.Server | https.Server): () => void {
  if (!sharedHubs.has(server)) sharedHubs.set(server, new Hub(server, false, server instanceof nodeTls().Server));
  return () => {
    const hub = sharedHubs.get(server);
    if (hub && hub.routes.size === 0) {
      hub.detach();
      sharedHubs.delete(server);
    }
  };
}

class NodeWsListener implements TransportListener {
  private hub: Hub | null = null;
  private accept: Accept | null = null;
  private readonly target: WsTarget;
  private readonly wss: WebSocketServer;
  private readonly live = new Set<NodeWsConnection>();
  private readonly selfProtocol: string;
  private responseLines: string[] = [];

  constructor(
    private readonly url: NngUrl,
    private readonly config: EndpointConfig,
  ) {
    this.target = wsTarget(url, true);
    this.selfProtocol = subprotocol(wsNames(config).self);
    this.wss = new (wsPackage().WebSocketServer)({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      skipUTF8Validation: true,
      maxPayload: sizeOption(config, "recv-size-max", 0),
      handleProtocols: (offered: Set<string>) => [...offered].find((p) => p.toLowerCase() === this.selfProtocol) ?? false,
    });
    this.wss.on("headers", (headers: string[]) => {
      for (const [k, v] of parseHeaderLines(stringOption(config, "ws:response-headers"))) headers.push(`${k}: ${v}`);
      this.responseLines = headers;
    });
  }

  listen(accept: Accept, done: (err: NngError | null) => void): void {
    this.accept = accept;
    const t = this.target;
    const existing = findHub(t);
    if (existing) {
      if (existing.routes.has(t.path)) return queueMicrotask(() => done(new NngError("EADDRINUSE", `${this.url.raw} is taken`)));
      existing.routes.set(t.path, this);
      this.hub = existing;
      return queueMicrotask(() => done(null));
    }
    let server: http.Server;
    // The server is shared by every listener on this host:port: the first one's limit applies.
    const limit = negotiationTimeout(this.config);
    const httpOptions: http.ServerOptions = {
      headersTimeout: limit,
      requestTimeout: limit,
      connectionsCheckingInterval: HANDSHAKE_CHECK_MS,
    };
    let settings: TlsSettings | null = null;
    try {
      // wss: the TLS options are read (files too) when the listener starts, as tls+tcp's.
      if (t.secure) settings = tlsSettings(this.config, true);
      server = settings ? nodeHttps().createServer({ ...httpOptions, ...tlsServerOptions(settings, limit) }) : nodeHttp().createServer(httpOptions);
    } catch (e) {
      return queueMicrotask(() => done(wsError(e)));
    }
    const hub = new Hub(server, true, t.secure);
    if (settings) hub.checkClients(settings);
    hub.routes.set(t.path, this);
    this.hub = hub;
    bindServer(server, { host: t.host, port: t.port, exclusive: true }, (err) => {
      if (err) {
        hub.routes.delete(t.path);
        hub.detach();
        this.hub = null;
        return done(err);
      }
      if (this.hub !== hub) return done(new NngError("ECLOSED"));
      ownedHubs.set(hubKey(t.secure, t.host, hub.port), hub);
      done(null);
    });
  }

  /** A connection to our server failed before its upgrade request (a refused TLS client). */
  refuse(err: NngError): void {
    this.accept?.(err, null);
  }

  /** An upgrade request for our path. */
  upgrade(req: IncomingMessage, sock: Duplex, head: Buffer): void {
    const accept = this.accept;
    if (!accept) return refuseUpgrade(sock, 503);
    if (!offersSubprotocol(req.headers["sec-websocket-protocol"], this.selfProtocol)) {
      refuseUpgrade(sock, 400);
      accept(new NngError("EPROTO", `handshake without the ${this.selfProtocol} subprotocol`), null);
      return;
    }
    this.responseLines = [];
    this.wss.handleUpgrade(req, sock, head, (ws) => {
      const net = sock as NetSocket;
      const conn = new NodeWsConnection(
        ws,
        net,
        connectionInfo(net, this.config, wsNames(this.config).peerProto, rawHeaderText(req.rawHeaders), responseHeaderText(this.responseLines), req.url ?? "/"),
        sizeOption(this.config, "ws:txframe-max", WS_TXFRAME_MAX_DEFAULT),
        false,
      );
      guard(sock, this.config, (code, why) => conn.violation(code, why));
      this.live.add(conn);
      ws.once("close", () => this.live.delete(conn));
      accept(null, conn);
    });
  }

  close(done?: () => void): void {
    const hub = this.hub;
    this.hub = null;
    this.accept = null;
    for (const c of this.live) c.close(new NngError("ECLOSED"));
    this.live.clear();
    if (!hub || hub.routes.get(this.target.path) !== this) return void queueMicrotask(() => done?.());
    hub.routes.delete(this.target.path);
    if (hub.routes.size > 0 || !hub.owned) return void queueMicrotask(() => done?.());
    hub.detach();
    for (const [k, h] of ownedHubs) if (h === hub) ownedHubs.delete(k);
    const server = hub.server;
    if (!server.listening) return void queueMicrotask(() => done?.());
    server.close(() => done?.());
    server.closeAllConnections();
  }

  getOption(name: string): OptionValue | undefined {
    const port = this.hub?.port;
    switch (name) {
      case "tcp-bound-port":
        return port ?? 0;
      case "url":
        return port ? formatUrl(this.url, port) : this.url.raw;
      case "local-address": {
        const a = this.hub?.server.address();
        return a && typeof a === "object" ? inetAddress(a.address, a.family, a.port) : undefined;
      }
      default:
        return undefined;
    }
  }
}

const nodeWsOptions: readonly OptionSpec[] = [...WS_OPTIONS, { name: "tcp-bound-port", kind: "int", readOnly: true }];

export const wsTransport: Transport = {
  schemes: ["ws", "ws4", "ws6"],
  options: nodeWsOptions,
  dialer: (url, config) => new NodeWsDialer(url, config),
  listener: (url, config) => new NodeWsListener(url, config),
};

export const wssTransport: Transport = {
  schemes: ["wss", "wss4", "wss6"],
  options: [...nodeWsOptions, ...TLS_OPTIONS],
  dialer: (url, config) => new NodeWsDialer(url, config),
  listener: (url, config) => new NodeWsListener(url, config),
};
