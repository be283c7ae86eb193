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

export type OptionValue = number | boolean | string | Uint8Array | SockAddr;

/**
 * Value kinds, as NNG types its options: `ms` a duration (-1 infinite), `int` an integer,
 * `size` a byte count (0..2^53), `bool`, `string`, `bytes` (strings accepted, UTF-8), `addr`.
 */
export type OptionKind = "ms" | "int" | "size" | "bool" | "string" | "bytes" | "addr";

export interface OptionSpec {
  readonly name: string;
  readonly kind: OptionKind;
  readonly readOnly?: boolean;
  readonly writeOnly?: boolean;
  readonly min?: number;
  readonly max?: number;
}

const encoder = new TextEncoder();

/** Validates (and normalizes) a value for `spec`; throws EREADONLY, EBADTYPE or EINVAL. */
export function checkOption(spec: OptionSpec, value: unknown): OptionValue {
  if (spec.readOnly) throw new NngError("EREADONLY", spec.name);
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
    case "addr":
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
  PAIR1_POLY: "pair1:polyamorous",
  REQ_RESENDTIME: "req:resend-time",
  SURVEYOR_SURVEYTIME: "surveyor:survey-time",
  SUB_SUBSCRIBE: "sub:subscribe",
  SUB_UNSUBSCRIBE: "sub:unsubscribe",
  SUB_PREFNEW: "sub:prefnew",
  /** nngts: SP handshake deadline for stream transports (ms, default 10 000 as NNG). */
  NEGOTIATION_TIMEOUT: "negotiation-timeout",
} as const;
