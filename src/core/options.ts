import { NngError } from "./errors.js";

/** A socket address as nng_sockaddr describes it. */
export interface SockAddr {
  /** The address family. */
  readonly family: "inet" | "inet6" | "ipc" | "abstract" | "inproc" | "unspec";
  /** IP address for inet/inet6. */
  readonly address?: string;
  /** Port for inet/inet6. */
  readonly port?: number;
  /** Path for ipc, name for inproc/abstract. */
  readonly path?: string;
}

/**
 * A value of an option: its type depends on the option's kind (ms/int/size are numbers, bytes are
 * Uint8Array on read, addresses are {@link SockAddr}, `strings` a string list, `object` a plain object
 * such as `tls-config`'s Node `tls.SecureContextOptions`).
 */
export type OptionValue = number | boolean | string | Uint8Array | SockAddr | readonly string[] | OptionObject;
/** A value NNG would pass by pointer (`tls-config` takes Node's `tls.SecureContextOptions`). */
export type OptionObject = object;

/**
 * Value kinds, as NNG types its options: `ms` a duration (-1 infinite), `int` an integer,
 * `size` a byte count (0..2^53), `bool`, `string`, `bytes` (strings accepted, UTF-8), `addr`,
 * `strings` a list of strings (read-only), `object` a plain object the owning transport checks.
 */
export type OptionKind = "ms" | "int" | "size" | "bool" | "string" | "bytes" | "addr" | "strings" | "object";

/**
 * How an option is validated: its name, kind, access and range. Protocols and transports
 * declare theirs; the socket checks values against them before storing.
 */
export interface OptionSpec {
  /** NNG's option name, e.g. "recv-timeout". */
  readonly name: string;
  /** The value's kind, which fixes its type and default range. */
  readonly kind: OptionKind;
  /** Setting it throws EREADONLY. */
  readonly readOnly?: boolean;
  /** Reading it throws EWRITEONLY (e.g. sub:subscribe). */
  readonly writeOnly?: boolean;
  /** Smallest accepted number (EINVAL below). */
  readonly min?: number;
  /** Largest accepted number (EINVAL above). */
  readonly max?: number;
  /** Further checks of a well-typed value (a file that must be readable...); throws NngError. */
  readonly check?: (value: OptionValue) => void;
}

const encoder = new TextEncoder();

/** Validates (and normalizes) a value for `spec`; throws EREADONLY, EBADTYPE or EINVAL. */
export function checkOption(spec: OptionSpec, value: unknown): OptionValue {
  if (spec.readOnly) throw new NngError("EREADONLY", spec.name);
  const v = checkKind(spec, value);
  spec.check?.(v);
  return v;
}

function checkKind(spec: OptionSpec, value: unknown): OptionValue {
  switch (spec.kind) {
    case "ms":
    case "int":
    case "size": {
      if (typeof value !== "number" || !Number.isInteger(value)) throw new NngError("EBADTYPE", spec.name);
      const min = spec.min ?? (spec.kind === "ms" ? -1 : spec.kind === "size" ? 0 : Number.MIN_SAFE_INTEGER);
      const max = spec.max ?? Number.MAX_SAFE_INTEGER;
      if (value < min || value > max) throw new NngError("EINVAL", `${spec.name} out of range`);
      return value;
    }
    case "bool":
      if (typeof value !== "boolean") throw new NngError("EBADTYPE", spec.name);
      return value;
    case "string":
      if (typeof value !== "string") throw new NngError("EBADTYPE", spec.name);
      return value;
    case "bytes":
      if (typeof value === "string") return encoder.encode(value);
      if (value instanceof Uint8Array) return value;
      throw new NngError("EBADTYPE", spec.name);
    case "object":
      if (typeof value !== "object" || value === null || value instanceof Uint8Array || Array.isArray(value)) {
        throw new NngError("EBADTYPE", spec.name);
      }
      // A copy: later changes to the caller's object must not reach endpoints.
      return { ...value };
    case "addr":
    case "strings":
      throw new NngError("EREADONLY", spec.name);
  }
}

/** An option value store with a parent to inherit from (socket → dialer/listener). */
export class OptionStore {
  private readonly values = new Map<string, OptionValue>();

  constructor(private readonly parent: OptionStore | null = null) {}

  get(name: string): OptionValue | undefined {
    const own = this.values.get(name);
    return own !== undefined ? own : this.parent?.get(name);
  }

  set(name: string, value: OptionValue): void {
    this.values.set(name, value);
  }

  /** A copy of the inherited values taken now (NNG copies socket options into new endpoints). */
  snapshot(): OptionStore {
    const copy = new OptionStore(null);
    for (const [k, v] of this.entries()) copy.set(k, v);
    return copy;
  }

  private entries(): Map<string, OptionValue> {
    const all = this.parent ? this.parent.entries() : new Map<string, OptionValue>();
    for (const [k, v] of this.values) all.set(k, v);
    return all;
  }
}

/** NNG's option names, as its headers spell them. */
export const OPT = {
  /** NNG_OPT_SOCKNAME: string, socket; a name for logs and stats (default: the socket id). */
  SOCKNAME: "socket-name",
  /** NNG_OPT_RAW: bool, socket, read-only; true for a raw socket. */
  RAW: "raw",
  /** NNG_OPT_PROTO: int, socket, read-only; the protocol's 16-bit number. */
  PROTO: "protocol",
  /** NNG_OPT_PROTONAME: string, socket, read-only; the protocol's name. */
  PROTONAME: "protocol-name",
  /** NNG_OPT_PEER: int, socket and pipe, read-only; the peer protocol's number. */
  PEER: "peer",
  /** NNG_OPT_PEERNAME: string, socket, read-only; the peer protocol's name. */
  PEERNAME: "peer-name",
  /** NNG_OPT_RECVBUF: int, socket; messages the receive queue holds (protocol default). */
  RECVBUF: "recv-buffer",
  /** NNG_OPT_SENDBUF: int, socket; messages the send queue holds (protocol default). */
  SENDBUF: "send-buffer",
  /** NNG_OPT_RECVTIMEO: ms, socket and context; receive timeout (-1, the default: none). */
  RECVTIMEO: "recv-timeout",
  /** NNG_OPT_SENDTIMEO: ms, socket and context; send timeout (-1, the default: none). */
  SENDTIMEO: "send-timeout",
  /** NNG_OPT_RECVMAXSZ: size, socket and endpoint; larger messages close the pipe (0: no limit). */
  RECVMAXSZ: "recv-size-max",
  /** NNG_OPT_RECONNMINT: ms, socket and dialer; first redial wait bound (default 1000). */
  RECONNMINT: "reconnect-time-min",
  /** NNG_OPT_RECONNMAXT: ms, socket and dialer; backoff ceiling (0, the default: no growth). */
  RECONNMAXT: "reconnect-time-max",
  /** NNG_OPT_MAXTTL: int 1-15, socket; hops a message may cross through devices (default 8). */
  MAXTTL: "ttl-max",
  /** NNG_OPT_URL: string, endpoint and pipe, read-only; the URL (with the bound port for port 0). */
  URL: "url",
  /** NNG_OPT_LOCADDR: SockAddr, endpoint and pipe, read-only; the local address. */
  LOCADDR: "local-address",
  /** NNG_OPT_REMADDR: SockAddr, pipe, read-only; the peer's address. */
  REMADDR: "remote-address",
  /** NNG_OPT_TCP_NODELAY: bool, tcp socket/endpoint/pipe; disables Nagle (default true). */
  TCP_NODELAY: "tcp-nodelay",
  /** NNG_OPT_TCP_KEEPALIVE: bool, tcp socket/endpoint/pipe; TCP keep-alives (default false). */
  TCP_KEEPALIVE: "tcp-keepalive",
  /** NNG_OPT_TCP_BOUND_PORT: int, tcp listener, read-only; the port bound (useful with port 0). */
  TCP_BOUND_PORT: "tcp-bound-port",
  /** NNG_OPT_IPC_PERMISSIONS: int, ipc listener; file mode of the socket path, set before start. */
  IPC_PERMISSIONS: "ipc:permissions",
  /** tls-config: object, tls/wss endpoint; Node `tls.SecureContextOptions` passed through (NNG's file options win). */
  TLS_CONFIG: "tls-config",
  /** NNG_OPT_TLS_AUTH_MODE: int 0-2 (none, optional, required), tls/wss endpoint, write-only; dialers default to required, listeners to none. */
  TLS_AUTH_MODE: "tls-authmode",
  /** NNG_OPT_TLS_CA_FILE: string, tls/wss endpoint, write-only; PEM file of the certificates to trust. */
  TLS_CA_FILE: "tls-ca-file",
  /** NNG_OPT_TLS_CERT_KEY_FILE: string, tls/wss endpoint, write-only; PEM file holding our certificate and key. */
  TLS_CERT_KEY_FILE: "tls-cert-key-file",
  /** NNG_OPT_TLS_SERVER_NAME: string, tls/wss dialer, write-only; the name checked in the server's certificate (default: the URL's host). */
  TLS_SERVER_NAME: "tls-server-name",
  /** NNG_OPT_TLS_VERIFIED: bool, tls/wss pipe, read-only; the peer's certificate was verified. */
  TLS_VERIFIED: "tls-verified",
  /** NNG_OPT_TLS_PEER_CN: string, tls/wss pipe, read-only; the common name of the peer's certificate. */
  TLS_PEER_CN: "tls-peer-cn",
  /** NNG_OPT_TLS_PEER_ALT_NAMES: string list, tls/wss pipe, read-only; the DNS names of the peer's certificate. */
  TLS_PEER_ALT_NAMES: "tls-peer-alt-names",
  /** NNG_OPT_SOCKET_FD: int, socket:// listener, write-only; a connected descriptor to adopt as a pipe. */
  SOCKET_FD: "socket:fd",
  /** NNG_OPT_WS_SENDMAXFRAME: size, ws/wss socket/endpoint; larger messages go in fragments of this size (default 65536, 0: one frame). */
  WS_SENDMAXFRAME: "ws:txframe-max",
  /** NNG_OPT_WS_RECVMAXFRAME: size, ws/wss socket/endpoint; a larger frame closes the connection with 1009 (default 1 MiB, 0: no limit). */
  WS_RECVMAXFRAME: "ws:rxframe-max",
  /** NNG_OPT_WS_REQUEST_HEADERS: string, ws/wss dialer (extra "Name: value" lines to send) and pipe (read: the request's headers). */
  WS_REQUEST_HEADERS: "ws:request-headers",
  /** NNG_OPT_WS_RESPONSE_HEADERS: string, ws/wss listener (extra "Name: value" lines to answer with) and pipe (read: the response's headers). */
  WS_RESPONSE_HEADERS: "ws:response-headers",
  /** NNG_OPT_WS_REQUEST_URI: string, ws/wss pipe, read-only; the path (and query) the dialer asked for. */
  WS_REQUEST_URI: "ws:request-uri",
  /** NNG_OPT_PAIR1_POLY: bool, pair1 socket; polyamorous mode (many peers), set before connecting. */
  PAIR1_POLY: "pair1:polyamorous",
  /** NNG_OPT_REQ_RESENDTIME: ms, req socket and context; resend interval (default 60000, <= 0 never). */
  REQ_RESENDTIME: "req:resend-time",
  /** NNG_OPT_SURVEYOR_SURVEYTIME: ms, surveyor socket and context; survey lifetime (default 1000). */
  SURVEYOR_SURVEYTIME: "surveyor:survey-time",
  /** NNG_OPT_SUB_SUBSCRIBE: bytes, sub socket and context, write-only; adds a topic prefix. */
  SUB_SUBSCRIBE: "sub:subscribe",
  /** NNG_OPT_SUB_UNSUBSCRIBE: bytes, sub socket and context, write-only; removes a topic (ENOENT). */
  SUB_UNSUBSCRIBE: "sub:unsubscribe",
  /** NNG_OPT_SUB_PREFNEW: bool, sub socket and context; a full queue drops the oldest (true) or the new message. */
  SUB_PREFNEW: "sub:prefnew",
  /** nngts: SP handshake deadline for stream transports (ms, default 10 000 as NNG). */
  NEGOTIATION_TIMEOUT: "negotiation-timeout",
} as const;
