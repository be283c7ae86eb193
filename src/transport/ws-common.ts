// The WebSocket mapping of SP (nanomsg's sp-websocket-v1), shared by Node and the browser.
// Imports nothing from node:*: the browser bundle uses this file as is.
import { NngError } from "../core/errors.js";
import { Message } from "../core/message.js";
import type { OptionSpec, OptionValue, SockAddr } from "../core/options.js";
import { Ring } from "../core/queue.js";
import { type NngUrl, socketAddress } from "../core/url.js";
import type { Connection, ConnectionHandler, EndpointConfig } from "./transport.js";

export const SUBPROTOCOL_SUFFIX = ".sp.nanomsg.org";
/** NNG's defaults: fragments of 64 KiB sent, frames up to 1 MiB accepted. */
export const WS_TXFRAME_MAX_DEFAULT = 64 * 1024;
export const WS_RXFRAME_MAX_DEFAULT = 1024 * 1024;

/** Close codes used by NNG's websocket (RFC 6455 section 7.4.1). */
export const WS_CLOSE = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  TOO_BIG: 1009,
  INTERNAL: 1011,
} as const;

export const WS_OPTIONS: readonly OptionSpec[] = [
  { name: "ws:txframe-max", kind: "size" },
  { name: "ws:rxframe-max", kind: "size" },
  { name: "ws:request-headers", kind: "string" },
  { name: "ws:response-headers", kind: "string" },
  { name: "ws:request-uri", kind: "string", readOnly: true },
];

// Names of the built-in protocols, for endpoints that do not say (custom EndpointConfig).
const NAMES: Readonly<Record<number, string>> = {
  0x10: "pair",
  0x11: "pair1",
  0x20: "pub",
  0x21: "sub",
  0x30: "req",
  0x31: "rep",
  0x50: "push",
  0x51: "pull",
  0x62: "surveyor",
  0x63: "respondent",
  0x70: "bus",
};
const PEERS: Readonly<Record<number, number>> = {
  0x10: 0x10,
  0x11: 0x11,
  0x20: 0x21,
  0x21: 0x20,
  0x30: 0x31,
  0x31: 0x30,
  0x50: 0x51,
  0x51: 0x50,
  0x62: 0x63,
  0x63: 0x62,
  0x70: 0x70,
};

export interface WsNames {
  /** Our protocol name: a listener requires `<self>.sp.nanomsg.org`. */
  readonly self: string;
  /** The peer's name: a dialer offers `<peer>.sp.nanomsg.org`. */
  readonly peer: string;
  /** The peer's protocol number: the handshake proves the peer expects us, so this is what it is. */
  readonly peerProto: number;
}

export function wsNames(config: EndpointConfig): WsNames {
  const peerProto = config.peerProto ?? PEERS[config.proto];
  const self = config.protoName ?? NAMES[config.proto];
  const peer = config.peerName ?? (peerProto !== undefined ? NAMES[peerProto] : undefined);
  if (self === undefined || peer === undefined || peerProto === undefined) {
    throw new NngError("ENOTSUP", `no WebSocket subprotocol for protocol ${config.proto}`);
  }
  return { self, peer, peerProto };
}

export function subprotocol(name: string): string {
  return name + SUBPROTOCOL_SUFFIX;
}

/** True when a Sec-WebSocket-Protocol value (comma separated list) holds `wanted`, case-insensitively. */
export function offersSubprotocol(offered: string | undefined, wanted: string): boolean {
  if (offered === undefined) return false;
  const w = wanted.toLowerCase();
  return offered.split(",").some((p) => p.trim().toLowerCase() === w);
}

export interface WsTarget {
  readonly secure: boolean;
  readonly host: string;
  readonly port: number;
  readonly family: 0 | 4 | 6;
  /** Path used to dispatch among listeners sharing a port ("/" when the URL has none). */
  readonly path: string;
  /** What a dialer requests: the path with its query. */
  readonly requestUri: string;
}

/** Where a ws/wss URL points. EADDRINVAL for a bad host or port. */
export function wsTarget(url: NngUrl, listening: boolean): WsTarget {
  const secure = url.scheme.startsWith("wss");
  const addr = socketAddress(url.port === "" ? { ...url, port: secure ? "443" : "80" } : url, listening);
  const path = url.path === "" ? "/" : url.path;
  const requestUri = url.requestUri === "" ? "/" : url.requestUri.startsWith("/") ? url.requestUri : `/${url.requestUri}`;
  return { secure, host: addr.host, port: addr.port, family: addr.family, path, requestUri };
}

/** The URL a WebSocket client opens (ws:// or wss://, ws4/ws6 folded, IPv6 literals bracketed). */
export function clientUrl(t: WsTarget): string {
  const host = t.host.includes(":") ? `[${t.host}]` : t.host;
  return `${t.secure ? "wss" : "ws"}://${host}:${t.port}${t.requestUri}`;
}

/** Parses NNG's header option text ("Name: value" lines, CRLF or LF); lines without ":" are ignored. */
export function parseHeaderLines(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const line of text.split(/\r?\n|\r/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    out.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return out;
}

export function formatHeaderLines(pairs: Iterable<readonly [string, string]>): string {
  let s = "";
  for (const [k, v] of pairs) s += `${k}: ${v}\r\n`;
  return s;
}

/** The error a pipe reports when the peer (or we) closed with `code`. */
export function closeError(code: number, reason = ""): NngError {
  const detail = `websocket closed with ${code}${reason ? ` (${reason})` : ""}`;
  switch (code) {
    case WS_CLOSE.TOO_BIG:
      return new NngError("EMSGSIZE", detail);
    case WS_CLOSE.UNSUPPORTED_DATA:
    case WS_CLOSE.PROTOCOL_ERROR:
      return new NngError("EPROTO", detail);
    default:
      return new NngError("ECONNSHUT", detail);
  }
}

/** The close code to send when a pipe closes for `err` (none: a normal close). */
export function closeCodeFor(err: NngError | undefined): number {
  if (!err) return WS_CLOSE.NORMAL;
  if (err.code === "EMSGSIZE") return WS_CLOSE.TOO_BIG;
  if (err.code === "EPROTO") return WS_CLOSE.PROTOCOL_ERROR;
  return WS_CLOSE.GOING_AWAY;
}

/** The message's wire bytes (protocol header then body); copies only when there is a header. */
export function wireBytes(msg: Message): Uint8Array {
  const header = msg.header;
  const body = msg.body;
  if (header.length === 0) return body;
  const out = new Uint8Array(header.length + body.length);
  out.set(header, 0);
  out.set(body, header.length);
  return out;
}

export interface WsConnectionInfo {
  readonly peer: number;
  readonly localAddress: SockAddr;
  readonly remoteAddress: SockAddr;
  /** recv-size-max: a bigger message closes the connection with 1009 (0: no limit). */
  readonly recvMax: number;
  readonly requestHeaders: string;
  readonly responseHeaders: string;
  readonly requestUri: string;
  /** More pipe options (TLS...). */
  readonly options?: (name: string) => OptionValue | undefined;
}

/**
 * A pipe's connection over one WebSocket: one binary WebSocket message per SP message. The
 * platform (the `ws` package, the browser's WebSocket) hands whole messages to `received`
 * and implements the raw operations.
 */
export abstract class WsConnection implements Connection {
  readonly peer: number;
  readonly localAddress: SockAddr;
  readonly remoteAddress: SockAddr;
  protected handler: ConnectionHandler | null = null;
  protected closed = false;
  private readonly held = new Ring<Message>(8);
  private paused = false;
  private resumeQueued = false;

  constructor(protected readonly info: WsConnectionInfo) {
    this.peer = info.peer;
    this.localAddress = info.localAddress;
    this.remoteAddress = info.remoteAddress;
  }

  /** Queues the message's bytes on the socket; false when the socket is now busy. */
  abstract send(msg: Message): boolean;
  /** Stops / restarts reading from the network (where the platform can). */
  protected abstract pauseInput(): void;
  protected abstract resumeInput(): void;
  /** Closes the WebSocket with this code (the pipe is already gone). */
  protected abstract closeSocket(code: number, reason: string): void;

  start(handler: ConnectionHandler): void {
    this.handler = handler;
    this.paused = true;
    this.resume();
  }

  /** A whole WebSocket message arrived: a string for TEXT, bytes for BINARY. */
  protected received(data: Uint8Array | string): void {
    if (this.closed) return;
    if (typeof data === "string") {
      this.fail(WS_CLOSE.UNSUPPORTED_DATA, new NngError("EPROTO", "TEXT WebSocket message"));
      return;
    }
    const max = this.info.recvMax;
    if (max > 0 && data.length > max) {
      this.fail(WS_CLOSE.TOO_BIG, new NngError("EMSGSIZE", `message of ${data.length} bytes exceeds recv-size-max ${max}`));
      return;
    }
    const msg = Message.wrap(data);
    if (this.paused || !this.handler) {
      this.held.push(msg);
      return;
    }
    this.handler.received(msg);
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.pauseInput();
  }

  resume(): void {
    if (this.closed || !this.paused || this.resumeQueued) return;
    // Deferred so that a protocol resuming a pipe inside its own recv path is not re-entered.
    this.resumeQueued = true;
    queueMicrotask(() => {
      this.resumeQueued = false;
      if (this.closed || !this.handler) return;
      this.paused = false;
      while (!this.paused && !this.closed) {
        const m = this.held.shift();
        if (m === undefined) break;
        this.handler.received(m);
      }
      if (!this.paused && !this.closed) this.resumeInput();
    });
  }

  /** Closes for a violation by the peer: the close code tells it why. */
  protected fail(code: number, err: NngError): void {
    if (this.closed) return;
    this.closed = true;
    this.held.drain();
    this.closeSocket(code, err.message.slice(0, 100));
    this.handler?.disconnected(err);
  }

  /** The platform saw the WebSocket end. */
  protected lost(err: NngError): void {
    if (this.closed) return;
    this.closed = true;
    this.held.drain();
    this.handler?.disconnected(err);
  }

  /** The writer can take messages again. */
  protected drained(): void {
    if (!this.closed) this.handler?.writable();
  }

  close(err?: NngError): void {
    if (this.closed) return;
    this.closed = true;
    this.held.drain();
    this.closeSocket(closeCodeFor(err), "");
    this.handler?.disconnected(err ?? new NngError("ECLOSED"));
  }

  getOption(name: string): OptionValue | undefined {
    switch (name) {
      case "local-address":
        return this.localAddress;
      case "remote-address":
        return this.remoteAddress;
      case "ws:request-headers":
        return this.info.requestHeaders;
      case "ws:response-headers":
        return this.info.responseHeaders;
      case "ws:request-uri":
        return this.info.requestUri;
      default:
        return this.info.options?.(name);
    }
  }
}

/** The configured size option, or its default (0 means no limit). */
export function sizeOption(config: EndpointConfig, name: string, fallback: number): number {
  const v = config.option(name);
  return typeof v === "number" ? v : fallback;
}

export function stringOption(config: EndpointConfig, name: string): string {
  const v = config.option(name);
  return typeof v === "string" ? v : "";
}
