/** NNG's error codes, with the numbers of nng.h and the texts of nng_strerror(). */
export const ERRORS = {
  /** An operation was interrupted. */
  EINTR: [1, "Interrupted"],
  /** Out of memory. */
  ENOMEM: [2, "Out of memory"],
  /** A bad argument: malformed URL, out-of-range value, no message on a send aio. */
  EINVAL: [3, "Invalid argument"],
  /** The resource is busy, e.g. an aio that already has an operation in progress. */
  EBUSY: [4, "Resource busy"],
  /** The operation's timeout (aio timeout, send-timeout, recv-timeout, survey time) passed. */
  ETIMEDOUT: [5, "Timed out"],
  /** The peer refused the connection (nothing listening). */
  ECONNREFUSED: [6, "Connection refused"],
  /** The socket, context, dialer or listener is closed (or closed during the operation). */
  ECLOSED: [7, "Object closed"],
  /** A non-blocking operation could not complete at once. */
  EAGAIN: [8, "Try again"],
  /** Not supported: unknown option, recv on a send-only protocol, contexts on pair, unknown scheme. */
  ENOTSUP: [9, "Not supported"],
  /** The address is already bound by another listener. */
  EADDRINUSE: [10, "Address in use"],
  /** The protocol's state forbids it: req recv before a send, rep send before a recv, surveyor recv with no survey. */
  ESTATE: [11, "Incorrect state"],
  /** No such entry, e.g. unsubscribing a topic that was not subscribed. */
  ENOENT: [12, "Entry not found"],
  /** The peer broke the SP protocol (bad handshake or frame). */
  EPROTO: [13, "Protocol error"],
  /** The destination cannot be reached. */
  EUNREACHABLE: [14, "Destination unreachable"],
  /** The address is invalid or cannot be resolved. */
  EADDRINVAL: [15, "Address invalid"],
  /** Permission denied (e.g. binding a privileged port or an ipc path). */
  EPERM: [16, "Permission denied"],
  /** A message is larger than `recv-size-max` allows. */
  EMSGSIZE: [17, "Message too large"],
  /** The connection was aborted. */
  ECONNABORTED: [18, "Connection aborted"],
  /** The peer reset the connection. */
  ECONNRESET: [19, "Connection reset"],
  /** The operation was cancelled (`aio.cancel()`, `aio.stop()`, an aborted signal). */
  ECANCELED: [20, "Operation canceled"],
  /** Out of file descriptors. */
  ENOFILES: [21, "Out of files"],
  /** Out of space. */
  ENOSPC: [22, "Out of space"],
  /** The resource already exists. */
  EEXIST: [23, "Resource already exists"],
  /** The option is read-only. */
  EREADONLY: [24, "Read only resource"],
  /** The option is write-only (e.g. sub:subscribe). */
  EWRITEONLY: [25, "Write only resource"],
  /** A cryptographic (TLS) failure. */
  ECRYPTO: [26, "Cryptographic error"],
  /** The peer could not be authenticated (TLS). */
  EPEERAUTH: [27, "Peer could not be authenticated"],
  /** An option needs an argument (command-line tools). */
  ENOARG: [28, "Option requires argument"],
  /** An ambiguous option abbreviation (command-line tools). */
  EAMBIGUOUS: [29, "Ambiguous option"],
  /** An option value of the wrong type. */
  EBADTYPE: [30, "Incorrect type"],
  /** The connection was shut down (the peer closed it). */
  ECONNSHUT: [31, "Connection shutdown"],
  /** An internal error in the library: a bug. */
  EINTERNAL: [1000, "Internal error"],
} as const satisfies Record<string, readonly [number, string]>;

/** An NNG error name, e.g. "ETIMEDOUT": the keys of {@link ERRORS}. */
export type NngErrorCode = keyof typeof ERRORS;

/** Bits or-ed into an errno for system and transport errors, as in nng.h. */
export const ESYSERR = 0x10000000;
export const ETRANERR = 0x20000000;

const byNumber = new Map<number, NngErrorCode>(
  (Object.keys(ERRORS) as NngErrorCode[]).map((code) => [ERRORS[code][0], code]),
);

/** Every error the library reports. `code` is NNG's name, `errno` its number in nng.h. */
export class NngError extends Error {
  /** NNG's name for the error, e.g. "ECLOSED". */
  readonly code: NngErrorCode;
  /** NNG's number for the error (nng.h), e.g. 7 for ECLOSED. */
  readonly errno: number;

  /** The message is NNG's text for `code` (nng_strerror), followed by `detail` if given. */
  constructor(code: NngErrorCode, detail?: string) {
    const [errno, text] = ERRORS[code];
    super(detail ? `${text}: ${detail}` : text);
    this.name = "NngError";
    this.code = code;
    this.errno = errno;
  }

  /** The error for an NNG number; unknown numbers become EINTERNAL. */
  static fromErrno(errno: number): NngError {
    return new NngError(byNumber.get(errno) ?? "EINTERNAL");
  }

  /** Maps a Node system error (ECONNREFUSED, EADDRINUSE, ...) to NNG's code. */
  static fromSystem(err: unknown): NngError {
    if (err instanceof NngError) return err;
    const sys = (err as { code?: unknown } | null)?.code;
    const detail = err instanceof Error ? err.message : String(err);
    return new NngError(systemCodes[typeof sys === "string" ? sys : ""] ?? "ECONNABORTED", detail);
  }
}

const systemCodes: Record<string, NngErrorCode> = {
  ECONNREFUSED: "ECONNREFUSED",
  ENOENT: "ECONNREFUSED",
  EADDRINUSE: "EADDRINUSE",
  EADDRNOTAVAIL: "EADDRINVAL",
  EACCES: "EPERM",
  EPERM: "EPERM",
  ECONNRESET: "ECONNRESET",
  EPIPE: "ECONNSHUT",
  ECONNABORTED: "ECONNABORTED",
  ETIMEDOUT: "ETIMEDOUT",
  EHOSTUNREACH: "EUNREACHABLE",
  ENETUNREACH: "EUNREACHABLE",
  EMFILE: "ENOFILES",
  ENFILE: "ENOFILES",
  ENOSPC: "ENOSPC",
  ENOMEM: "ENOMEM",
  ENOTFOUND: "EADDRINVAL",
  EAI_AGAIN: "EADDRINVAL",
  EINVAL: "EINVAL",
};

/** Name of an NNG error number, or undefined. */
export function errorCodeOf(errno: number): NngErrorCode | undefined {
  return byNumber.get(errno);
}
