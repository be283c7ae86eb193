import { NngError } from "./errors.js";

/** A socket address as nng_sockaddr describes it. */
export interface SockAddr {
  readonly family: "inet" | "inet6" | "ipc" | "abstract" | "inproc" | "unspec";
  /** IP address for inet/inet6. */
  readonly address?: string;
  readonly port?: number;
  /** Path for ipc, name for inproc/abstract. */
  readonly path?: string;
}

/** A value NNG would pass by pointer (`tls-config` takes Node's `tls.SecureContextOptions`). */
export type OptionObject = object;

export type OptionValue = number | boolean | string | Uint8Array | SockAddr | readonly string[] | OptionObject;

/**
 * Value kinds, as NNG types its options: `ms` a duration (-1 infinite), `int` an integer,
 * `size` a byte count (0..2^53), `bool`, `string`, `bytes` (strings accepted, UTF-8), `addr`,
 * `strings` a list of strings (read-only), `object` a plain object the owning transport checks.
 */
export type OptionKind = "ms" | "int" | "size" | "bool" | "string" | "bytes" | "addr" | "strings" | "object";

export interface OptionSpec {
  readonly name: string;
  readonly kind: OptionKind;
  readonly readOnly?: boolean;
  readonly writeOnly?: boolean;
  readonly min?: number;
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
  SOCKNAME: "socket-name",
  RAW: "raw",
  PROTO: "protocol",
  PROTONAME: "protocol-name",
  PEER: "peer",
  PEERNAME: "peer-name",
  RECVBUF: "recv-buffer",
  SENDBUF: "send-buffer",
  RECVTIMEO: "recv-timeout",
  SENDTIMEO: "send-timeout",
  RECVMAXSZ: "recv-size-max",
  RECONNMINT: "reconnect-time-min",
  RECONNMAXT: "reconnect-time-max",
  MAXTTL: "ttl-max",
  URL: "url",
  LOCADDR: "local-address",
  REMADDR: "remote-address",
  TCP_NODELAY: "tcp-nodelay",
  TCP_KEEPALIVE: "tcp-keepalive",
  TCP_BOUND_PORT: "tcp-bound-port",
  IPC_PERMISSIONS: "ipc:permissions",
  TLS_CONFIG: "tls-config",
  TLS_AUTH_MODE: "tls-authmode",
  TLS_CA_FILE: "tls-ca-file",
  TLS_CERT_KEY_FILE: "tls-cert-key-file",
  TLS_SERVER_NAME: "tls-server-name",
  TLS_VERIFIED: "tls-verified",
  TLS_PEER_CN: "tls-peer-cn",
  TLS_PEER_ALT_NAMES: "tls-peer-alt-names",
  SOCKET_FD: "socket:fd",
  PAIR1_POLY: "pair1:polyamorous",
  REQ_RESENDTIME: "req:resend-time",
  SURVEYOR_SURVEYTIME: "surveyor:survey-time",
  SUB_SUBSCRIBE: "sub:subscribe",
  SUB_UNSUBSCRIBE: "sub:unsubscribe",
  SUB_PREFNEW: "sub:prefnew",
} as const;
