// NNG's TLS options (tls-config, tls-ca-file, tls-cert-key-file, tls-server-name, tls-authmode,
// and the read-only tls-verified, tls-peer-cn, tls-peer-alt-names) on Node's `tls`, for any
// transport that runs over TLS (tls+tcp:// and wss://): one set of option specs, one way to
// Node's TLS options, one mapping of failures to NNG's codes.
import { readFileSync } from "node:fs";
import * as net from "node:net";
import type * as tls from "node:tls";
import { NngError } from "../core/errors.js";
import type { OptionSpec, OptionValue } from "../core/options.js";
import { nodeCrypto, nodeTls } from "./lazy-modules.js";
import type { EndpointConfig } from "./transport.js";

/** Values of `tls-authmode`, as nng_tls_auth_mode numbers them. */
export const TLS_AUTH_MODE = {
  /** No verification of the peer's certificate (a listener's default). */
  NONE: 0,
  /** A certificate the peer presents is verified; none is accepted too. */
  OPTIONAL: 1,
  /** The peer must present a certificate that verifies (a dialer's default). */
  REQUIRED: 2,
} as const;

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
    // A tls-config Node cannot use (a number where PEM text belongs...).
    if (code.startsWith("ERR_INVALID_ARG")) return new NngError("EINVAL", detail);
    // Plain errno names (ECONNRESET, EPIPE...) are network trouble, not cryptography.
    if (/^E[A-Z]+$/.test(code)) return NngError.fromSystem(err);
  }
  return new NngError("ECRYPTO", detail);
}

/**
 * Whether an error code of Node is TLS's: OpenSSL's (ERR_SSL_..., ERR_OSSL_...), Node's TLS
 * layer's (ERR_TLS_...) or a certificate verification result (UNABLE_TO_VERIFY_LEAF_SIGNATURE,
 * CERT_HAS_EXPIRED...); not errno names (ECONNRESET, EAI_AGAIN), Node's other ERR_ codes, nor
 * HTTP parser or WebSocket codes.
 */
export function isTlsErrorCode(code: string): boolean {
  if (code.startsWith("ERR_")) return /^ERR_(SSL|OSSL|TLS)_/.test(code);
  const errno = /^E[A-Z0-9]+$/.test(code) || code.startsWith("EAI_");
  // Node's HTTP parser (HPE_) and the `ws` package (WS_ERR_) have codes of the same shape.
  const other = code.startsWith("HPE_") || code.startsWith("WS_");
  return !errno && !other && /^[A-Z0-9_]+$/.test(code);
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
      new (nodeCrypto().X509Certificate)(b);
    } catch (e) {
      throw tlsError(e);
    }
  }
}

function secureContext(options: tls.SecureContextOptions): tls.SecureContext {
  try {
    return nodeTls().createSecureContext(options);
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

/** What an endpoint uses for TLS, read from its options when it starts. */
export interface TlsSettings {
  readonly options: tls.SecureContextOptions;
  readonly context: tls.SecureContext;
  readonly authMode: number;
}

/**
 * The TLS settings of an endpoint (dialer: client, listener: server) from `tls-config` and NNG's
 * options; reads the files. Throws NngError (ENOENT, ECRYPTO; EINVAL for a server without a certificate).
 */
export function tlsSettings(config: EndpointConfig, server: boolean): TlsSettings {
  const options = contextOptions(config);
  if (server && options.cert === undefined && options.pfx === undefined) {
    throw new NngError("EINVAL", "a TLS listener needs a certificate: set tls-cert-key-file or tls-config");
  }
  const mode = config.option("tls-authmode");
  const authMode = typeof mode === "number" ? mode : server ? TLS_AUTH_MODE.NONE : TLS_AUTH_MODE.REQUIRED;
  return { options, context: secureContext(options), authMode };
}

/** The `tls-*` pipe options of an established TLS stream (read when asked). */
export function tlsPipeOptions(stream: tls.TLSSocket, others?: (name: string) => OptionValue | undefined): (name: string) => OptionValue | undefined {
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
        return others?.(name);
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


/** The name a dialer checks in the server's certificate: tls-server-name, else the URL's host. */
export function tlsServerName(config: EndpointConfig, urlHost: string): string {
  const name = config.option("tls-server-name");
  return typeof name === "string" && name !== "" ? name : urlHost;
}

/** tls.connect options for a client: verify per `tls-authmode`, against `serverName`. */
export function tlsClientOptions(settings: TlsSettings, serverName: string): tls.ConnectionOptions {
  return {
    secureContext: settings.context,
    // SNI carries host names only (RFC 6066).
    ...(net.isIP(serverName) === 0 && serverName !== "" ? { servername: serverName } : {}),
    rejectUnauthorized: settings.authMode === TLS_AUTH_MODE.REQUIRED,
    checkServerIdentity: (_host, cert) => nodeTls().checkServerIdentity(serverName, cert),
  };
}

/**
 * tls.createServer options for a listener. Client certificates are asked for per `tls-authmode`
 * but judged by `refusedClient`, so that a refused client is reported with NNG's code.
 */
export function tlsServerOptions(settings: TlsSettings, handshakeTimeout: number): tls.TlsOptions {
  // A tls server builds its context from the options (it ignores a ready `secureContext`).
  return {
    ...settings.options,
    requestCert: settings.authMode !== TLS_AUTH_MODE.NONE,
    rejectUnauthorized: false,
    handshakeTimeout,
  };
}

/** Why an accepted client must be turned away (`tls-authmode` required), or null. */
export function refusedClient(settings: TlsSettings, stream: tls.TLSSocket): NngError | null {
  if (settings.authMode !== TLS_AUTH_MODE.REQUIRED || stream.authorized) return null;
  const sent = Object.keys(stream.getPeerCertificate() ?? {}).length > 0;
  return new NngError(sent ? "ECRYPTO" : "EPEERAUTH", `client certificate: ${stream.authorizationError}`);
}

/** NNG reads and parses the files when the option is set; so do we (and again at start). */
function checkCertKeyFile(value: OptionValue): void {
  const pem = readPem(value as string);
  secureContext({ cert: pem, key: pem });
}

/** NNG's TLS options (nng_tls_options), for every transport that runs on TLS. */
export const TLS_OPTIONS: readonly OptionSpec[] = [
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
