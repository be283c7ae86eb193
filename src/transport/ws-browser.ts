// ws:// and wss:// dialers on the platform's global WebSocket (browsers, Deno, Node >= 22).
// The browser reassembles fragments and cannot pause reading or fragment what it sends: messages
// that arrive while the pipe is paused are held; ws:txframe-max and ws:rxframe-max do not apply.
import { NngError } from "../core/errors.js";
import type { Message } from "../core/message.js";
import type { OptionValue } from "../core/options.js";
import type { NngUrl } from "../core/url.js";
import type { Connection, EndpointConfig, Transport, TransportDialer, TransportListener } from "./transport.js";
import {
  clientUrl,
  subprotocol,
  WS_OPTIONS,
  WsConnection,
  type WsConnectionInfo,
  wireBytes,
  wsNames,
  wsTarget,
  closeError,
  sizeOption,
} from "./ws-common.js";

/** The slice of the WHATWG WebSocket this transport uses. */
interface BrowserWebSocket {
  binaryType: string;
  readonly bufferedAmount: number;
  readonly protocol: string;
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}
type BrowserWebSocketClass = new (url: string, protocols: string[]) => BrowserWebSocket;

/** Above this many buffered bytes `send` reports busy; the state is polled, as browsers have no drain event. */
const HIGH_WATER = 1024 * 1024;
const DRAIN_POLL_MS = 5;

function globalWebSocket(): BrowserWebSocketClass {
  const ctor = (globalThis as { WebSocket?: BrowserWebSocketClass }).WebSocket;
  if (!ctor) throw new NngError("ENOTSUP", "no global WebSocket on this platform");
  return ctor;
}

class BrowserWsConnection extends WsConnection {
  private polling: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly ws: BrowserWebSocket,
    info: WsConnectionInfo,
  ) {
    super(info);
    ws.onmessage = (ev) => {
      const d = ev.data;
      if (typeof d === "string") this.received(d);
      else if (d instanceof ArrayBuffer) this.received(new Uint8Array(d));
    };
    ws.onclose = (ev) => this.lost(closeError(ev.code, ev.reason));
    ws.onerror = null;
  }

  send(msg: Message): boolean {
    if (this.closed) return false;
    this.ws.send(wireBytes(msg));
    if (this.ws.bufferedAmount < HIGH_WATER) return true;
    this.pollDrain();
    return false;
  }

  private pollDrain(): void {
    if (this.polling) return;
    this.polling = setTimeout(() => {
      this.polling = null;
      if (this.closed) return;
      if (this.ws.bufferedAmount < HIGH_WATER) this.drained();
      else this.pollDrain();
    }, DRAIN_POLL_MS);
  }

  protected pauseInput(): void {}
  protected resumeInput(): void {}

  protected closeSocket(code: number, reason: string): void {
    if (this.polling) clearTimeout(this.polling);
    this.polling = null;
    this.ws.onmessage = null;
    this.ws.onclose = null;
    // Browsers only let scripts send 1000 or 3000-4999; anything else closes as 1000.
    try {
      this.ws.close(code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000, reason);
    } catch {
      this.ws.close();
    }
  }
}

class BrowserWsDialer implements TransportDialer {
  private abort: (() => void) | null = null;
  private closed = false;

  constructor(
    private readonly url: NngUrl,
    private readonly config: EndpointConfig,
  ) {
    wsTarget(url, false);
    wsNames(config);
  }

  connect(done: (err: NngError | null, conn: Connection | null) => void): void {
    if (this.closed) return queueMicrotask(() => done(new NngError("ECLOSED"), null));
    const names = wsNames(this.config);
    const target = wsTarget(this.url, false);
    const wanted = subprotocol(names.peer);
    let ws: BrowserWebSocket;
    try {
      ws = new (globalWebSocket())(clientUrl(target), [wanted]);
    } catch (e) {
      return queueMicrotask(() => done(NngError.fromSystem(e), null));
    }
    ws.binaryType = "arraybuffer";
    let settled = false;
    const settle = (err: NngError | null): void => {
      if (settled) return;
      settled = true;
      this.abort = null;
      ws.onopen = ws.onerror = ws.onclose = null;
      if (err) {
        try {
          ws.close();
        } catch {
          /* never opened */
        }
        return done(err, null);
      }
      const addr = { family: "unspec" as const };
      done(
        null,
        new BrowserWsConnection(ws, {
          peer: names.peerProto,
          localAddress: addr,
          remoteAddress: addr,
          recvMax: sizeOption(this.config, "recv-size-max", 0),
          requestHeaders: "",
          responseHeaders: "",
          requestUri: target.requestUri,
        }),
      );
    };
    ws.onopen = () => {
      if (this.closed) return settle(new NngError("ECLOSED"));
      // The browser already refuses a reply without the subprotocol; this guards odd implementations.
      if (ws.protocol.toLowerCase() !== wanted) return settle(new NngError("EPROTO", `server chose subprotocol "${ws.protocol}"`));
      settle(null);
    };
    // Browsers hide why a handshake failed (refused, HTTP 400, TLS...): report a refusal.
    this.abort = () => settle(new NngError("ECLOSED"));
    ws.onerror = () => settle(new NngError("ECONNREFUSED", `WebSocket to ${this.url.raw} failed`));
    ws.onclose = () => settle(new NngError("ECONNREFUSED", `WebSocket to ${this.url.raw} closed during the handshake`));
  }

  close(): void {
    this.closed = true;
    this.abort?.();
  }

  getOption(name: string): OptionValue | undefined {
    return name === "url" ? this.url.raw : undefined;
  }
}

function noListener(): TransportListener {
  throw new NngError("ENOTSUP", "a browser cannot listen for WebSocket connections");
}

/** ws:// and wss:// for the browser entry: dialers only. */
export const browserWsTransport: Transport = {
  schemes: ["ws", "ws4", "ws6", "wss", "wss4", "wss6"],
  options: WS_OPTIONS,
  dialer: (url, config) => new BrowserWsDialer(url, config),
  listener: () => noListener(),
};
