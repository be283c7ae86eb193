// tls+tcp:// — NNG's tcp framing inside TLS (Node's `tls`). Dialing, listening and the SP
// handshake are the tcp transport's; this file adds the TLS handshake and NNG's TLS options.
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import * as net from "node:net";
import * as tls from "node:tls";
import { NngError } from "../core/errors.js";
import type { OptionSpec, OptionValue } from "../core/options.js";
import type { NngUrl } from "../core/url.js";
import { NEGOTIATION_TIMEOUT_MS, type StreamInfo } from "./stream.js";
import { TcpDialer, TcpListener, tcpStreamInfo } from "./tcp.js";
import type { EndpointConfig, Transport } from "./transport.js";

/** Values of `tls-authmode`, as nng_tls_auth_mode numbers them. */
export const TLS_AUTH_MODE = { NONE: 0, OPTIONAL: 1, REQUIRED: 2 } as const;

/** Certificate verification codes of OpenSSL/Node that mean "the peer is not trusted". */
const PEER_AUTH_CODES = new Set(["ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE", "ERR_SSL_NO_SHARED_CIPHER"]);

/**
 * NNG's code for a TLS failure. As libnng with mbedTLS: a certificate that does not verify is
 * ECRYPTO, a peer that sends no certificate when one is required (or shares no cipher) EPEERAUTH,
 * network errors keep their code.
 */
export function tlsError(err: unknown): NngError {
  if (err instanceof NngError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const detail = err instanceof Error ? err.message : String(err);
  if (typeof code === "string") {
    if (PEER_AUTH_CODES.has(code)) return new NngError("EPEERAUTH", detail);
    if (code === "ERR_TLS_HANDSHAKE_TIMEOUT") return new NngError("ETIMEDOUT", detail);
    // Plain errno names (ECONNRESET, EPIPE...) are network trouble, not cryptography.
    if (/^E[A-Z]+$/.test(code)) return NngError.fromSystem(err);
  }
  return new NngError("ECRYPTO", detail);
}

function readPem(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === "ENOENT") throw new NngError("ENOENT", path);
    if (code === "EACCES" || code === "EPERM") throw new NngError("EPERM", path);
    throw NngError.fromSystem(e);
  }
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[^-]*-----END CERTIFICATE-----/g;

/** A CA file must hold at least one certificate, all of them readable (Node would skip junk). */
function checkCaPem(pem: string): void {
  const blocks = pem.match(CERT_BLOCK) ?? [];
  if (blocks.length === 0) throw new NngError("ECRYPTO", "no certificate in the CA file");
  for (const b of blocks) {
    try {
      new X509Certificate(b);
    } catch (e) {
      throw tlsError(e);
    }
  }
}

function secureContext(options: tls.SecureContextOptions): tls.SecureContext {
  try {
    return tls.createSecureContext(options);
  } catch (e) {
    throw tlsError(e);
  }
}

/** Node's options for an endpoint: `tls-config`, then NNG's file options over it. */
function contextOptions(config: EndpointConfig): tls.SecureContextOptions {
  const base = config.option("tls-config") as tls.SecureContextOptions | undefined;
  // NNG speaks TLS 1.2 or newer.
  const options: tls.SecureContextOptions = { minVersion: "TLSv1.2", ...base };
  const caFile = config.option("tls-ca-file");
  if (typeof caFile === "string") {
    const pem = readPem(caFile);
    checkCaPem(pem);
    options.ca = pem;
    // An NNG CA file may carry a revocation list too.
    if (pem.includes("-----BEGIN X509 CRL-----")) options.crl = pem;
  }
  const certKeyFile = config.option("tls-cert-key-file");
  if (typeof certKeyFile === "string") {
    // One PEM with both, as NNG: Node's readers each skip the other's blocks.
    const pem = readPem(certKeyFile);
    options.cert = pem;
    options.key = pem;
  }
  return options;
}

interface TlsSettings {
  readonly options: tls.SecureContextOptions;
  readonly context: tls.SecureContext;
  readonly authMode: number;
}

function settings(config: EndpointConfig, server: boolean): TlsSettings {
  const options = contextOptions(config);
  if (server && options.cert === undefined && options.pfx === undefined) {
    throw new NngError("EINVAL", "a tls+tcp listener needs a certificate: set tls-cert-key-file or tls-config");
  }
  const mode = config.option("tls-authmode");
  const authMode = typeof mode === "number" ? mode : server ? TLS_AUTH_MODE.NONE : TLS_AUTH_MODE.REQUIRED;
  return { options, context: secureContext(options), authMode };
}

/** The `tls-*` pipe options of an established TLS stream (read when asked). */
function tlsPipeOptions(stream: tls.TLSSocket, tcp: StreamInfo): (name: string) => OptionValue | undefined {
  let cert: tls.PeerCertificate | null = null;
  const peer = (): tls.PeerCertificate | null => {
    if (!cert) {
      const c = stream.getPeerCertificate();
      cert = c && Object.keys(c).length > 0 ? c : null;
    }
    return cert;
  };
  return (name) => {
    switch (name) {
      case "tls-verified":
        return stream.authorized;
      case "tls-peer-cn": {
        const cn = peer()?.subject?.CN;
        return Array.isArray(cn) ? cn[0] : cn;
      }
      case "tls-peer-alt-names": {
        const c = peer();
        // As libnng (mbedTLS): the certificate's DNS names.
        return c ? dnsNames(c.subjectaltname ?? "") : undefined;
      }
      default:
        return tcp.options?.(name);
    }
  };
}

function dnsNames(subjectAltName: string): string[] {
  const out: string[] = [];
  for (const part of subjectAltName.split(/,\s*/)) {
    if (part.startsWith("DNS:")) out.push(part.slice(4));
  }
  return out;
}

function tlsStreamInfo(stream: net.Socket, config: EndpointConfig): StreamInfo {
  const tcp = tcpStreamInfo(stream, config);
  return { ...tcp, options: tlsPipeOptions(stream as tls.TLSSocket, tcp) };
}

class TlsDialer extends TcpDialer {
  private readonly tls: TlsSettings;
  /** The name the server's certificate must carry: tls-server-name, else the URL's host. */
  private readonly serverName: string;

  constructor(url: NngUrl, config: EndpointConfig) {
    super(url, config);
    this.tls = settings(config, false);
    const name = config.option("tls-server-name");
    this.serverName = typeof name === "string" && name !== "" ? name : url.hostname;
  }

  protected override secure(sock: net.Socket, done: (err: NngError | null, stream: net.Socket | null) => void): () => void {
    const name = this.serverName;
    const stream = tls.connect({
      socket: sock,
      secureContext: this.tls.context,
      // SNI carries host names only (RFC 6066).
      ...(net.isIP(name) === 0 && name !== "" ? { servername: name } : {}),
      rejectUnauthorized: this.tls.authMode === TLS_AUTH_MODE.REQUIRED,
      checkServerIdentity: (_host, cert) => tls.checkServerIdentity(name, cert),
    });
    let settled = false;
    const settle = (err: NngError | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stream.off("secureConnect", onSecure);
      stream.off("error", onError);
      stream.off("close", onClose);
      if (err) {
        stream.destroy();
        sock.destroy();
        done(err, null);
      } else done(null, stream);
    };
    const onSecure = (): void => settle(null);
    const onError = (e: Error): void => settle(tlsError(e));
    const onClose = (): void => settle(new NngError("ECONNSHUT", "closed during the TLS handshake"));
    const timer = setTimeout(() => settle(new NngError("ETIMEDOUT", "TLS handshake timed out")), NEGOTIATION_TIMEOUT_MS);
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
    this.tls = settings(config, true);
  }

  protected override createServer(ready: (stream: net.Socket) => void, failed: (err: NngError) => void): net.Server {
    const mode = this.tls.authMode;
    // A tls server builds its context from the options (it ignores a ready `secureContext`).
    const server = tls.createServer({
      ...this.tls.options,
      requestCert: mode !== TLS_AUTH_MODE.NONE,
      // Checked below, so that a refused peer is reported with NNG's code.
      rejectUnauthorized: false,
      handshakeTimeout: NEGOTIATION_TIMEOUT_MS,
    });
    server.on("secureConnection", (stream: tls.TLSSocket) => {
      if (mode === TLS_AUTH_MODE.REQUIRED && !stream.authorized) {
        const sent = Object.keys(stream.getPeerCertificate() ?? {}).length > 0;
        stream.destroy();
        failed(new NngError(sent ? "ECRYPTO" : "EPEERAUTH", `client certificate: ${stream.authorizationError}`));
        return;
      }
      ready(stream);
    });
    server.on("tlsClientError", (err) => failed(tlsError(err)));
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

/** NNG reads and parses the files when the option is set; so do we (and again at start). */
function checkCertKeyFile(value: OptionValue): void {
  const pem = readPem(value as string);
  secureContext({ cert: pem, key: pem });
}

const tlsOptions: OptionSpec[] = [
  { name: "tcp-nodelay", kind: "bool" },
  { name: "tcp-keepalive", kind: "bool" },
  { name: "tcp-bound-port", kind: "int", readOnly: true },
  {
    name: "tls-config",
    kind: "object",
    check: (v) => {
      const options = v as tls.SecureContextOptions;
      // Node ignores what is not a certificate in `ca`; NNG would refuse it.
      const ca = options.ca;
      for (const item of ca === undefined ? [] : Array.isArray(ca) ? ca : [ca]) checkCaPem(item.toString());
      secureContext({ minVersion: "TLSv1.2", ...options });
    },
  },
  { name: "tls-authmode", kind: "int", min: TLS_AUTH_MODE.NONE, max: TLS_AUTH_MODE.REQUIRED, writeOnly: true },
  { name: "tls-ca-file", kind: "string", writeOnly: true, check: (v) => checkCaPem(readPem(v as string)) },
  { name: "tls-cert-key-file", kind: "string", writeOnly: true, check: checkCertKeyFile },
  { name: "tls-server-name", kind: "string", writeOnly: true },
  { name: "tls-verified", kind: "bool", readOnly: true },
  { name: "tls-peer-cn", kind: "string", readOnly: true },
  { name: "tls-peer-alt-names", kind: "strings", readOnly: true },
];

export const tlsTransport: Transport = {
  schemes: ["tls+tcp", "tls+tcp4", "tls+tcp6"],
  options: tlsOptions,
  dialer: (url, config) => new TlsDialer(url, config),
  listener: (url, config) => new TlsListener(url, config),
};
