// tls+tcp:// — NNG's tcp framing inside TLS (Node's `tls`). Dialing, listening and the SP
// handshake are the tcp transport's; this file adds the TLS handshake (options: tls-config.ts).
import type * as net from "node:net";
import type * as tls from "node:tls";
import { NngError } from "../core/errors.js";
import type { NngUrl } from "../core/url.js";
import { nodeTls } from "./lazy-modules.js";
import { negotiationTimeout, type StreamInfo } from "./stream.js";
import { checkTcpAddress, TCP_OPTIONS, TcpDialer, TcpListener, tcpStreamInfo } from "./tcp.js";
import {
  refusedClient,
  TLS_OPTIONS,
  tlsClientOptions,
  tlsError,
  tlsPipeOptions,
  tlsServerName,
  tlsServerOptions,
  type TlsSettings,
  tlsSettings,
} from "./tls-config.js";
import type { EndpointConfig, Transport } from "./transport.js";

export { TLS_AUTH_MODE, tlsError } from "./tls-config.js";

function tlsStreamInfo(stream: net.Socket, config: EndpointConfig): StreamInfo {
  const tcp = tcpStreamInfo(stream, config);
  return { ...tcp, options: tlsPipeOptions(stream as tls.TLSSocket, tcp.options) };
}

class TlsDialer extends TcpDialer {
  private readonly tls: TlsSettings;
  /** The name the server's certificate must carry: tls-server-name, else the URL's host. */
  private readonly serverName: string;

  constructor(url: NngUrl, config: EndpointConfig) {
    super(url, config);
    this.tls = tlsSettings(config, false);
    this.serverName = tlsServerName(config, url.hostname);
  }

  protected override secure(sock: net.Socket, done: (err: NngError | null, stream: net.Socket | null) => void): () => void {
    const name = this.serverName;
    const stream = nodeTls().connect({ socket: sock, ...tlsClientOptions(this.tls, name) });
    let settled = false;
    const settle = (err: NngError | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stream.off("secureConnect", onSecure);
      stream.off("error", onError);
      stream.off("close", onClose);
      if (err) {
        stream.on("error", () => {}); // a late error of a stream given up on is of no interest
        stream.destroy();
        sock.destroy();
        done(err, null);
      } else done(null, stream);
    };
    const onSecure = (): void => settle(null);
    const onError = (e: Error): void => settle(tlsError(e));
    const onClose = (): void => settle(new NngError("ECONNSHUT", "closed during the TLS handshake"));
    const timer = setTimeout(() => settle(new NngError("ETIMEDOUT", "TLS handshake timed out")), negotiationTimeout(this.config));
    stream.once("secureConnect", onSecure);
    stream.on("error", onError);
    stream.once("close", onClose);
    return () => settle(new NngError("ECLOSED"));
  }

  protected override streamInfo(stream: net.Socket): StreamInfo {
    return tlsStreamInfo(stream, this.config);
  }
}

class TlsListener extends TcpListener {
  private readonly tls: TlsSettings;

  constructor(url: NngUrl, config: EndpointConfig) {
    super(url, config);
    this.tls = tlsSettings(config, true);
  }

  protected override createServer(ready: (stream: net.Socket) => void, failed: (err: NngError) => void): net.Server {
    const server = nodeTls().createServer(tlsServerOptions(this.tls, negotiationTimeout(this.config)));
    server.on("secureConnection", (stream: tls.TLSSocket) => {
      const refused = refusedClient(this.tls, stream);
      if (!refused) return ready(stream);
      stream.destroy();
      failed(refused);
    });
    server.on("tlsClientError", (err, stream) => {
      // Node leaves the connection open after some of these (a handshake timeout): it is ours to drop.
      stream.destroy();
      failed(tlsError(err));
    });
    return server;
  }

  /** Under tls the accepted stream wraps the raw socket: they share the peer's address and port. */
  protected override rawOf(stream: net.Socket, live: ReadonlySet<net.Socket>): net.Socket {
    for (const raw of live) {
      if (raw.remotePort === stream.remotePort && raw.remoteAddress === stream.remoteAddress) return raw;
    }
    return stream;
  }

  protected override setup(stream: net.Socket): StreamInfo {
    return tlsStreamInfo(stream, this.config);
  }
}

export const tlsTransport: Transport = {
  schemes: ["tls+tcp", "tls+tcp4", "tls+tcp6"],
  options: [...TCP_OPTIONS, ...TLS_OPTIONS],
  checkAddress: checkTcpAddress,
  dialer: (url, config) => new TlsDialer(url, config),
  listener: (url, config) => new TlsListener(url, config),
};
