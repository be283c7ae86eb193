/** NNG's error codes, with the numbers of nng.h and the texts of nng_strerror(). */
export const ERRORS = {
  EINTR: [1, "Interrupted"],
  ENOMEM: [2, "Out of memory"],
  EINVAL: [3, "Invalid argument"],
  EBUSY: [4, "Resource busy"],
  ETIMEDOUT: [5, "Timed out"],
  ECONNREFUSED: [6, "Connection refused"],
  ECLOSED: [7, "Object closed"],
  EAGAIN: [8, "Try again"],
  ENOTSUP: [9, "Not supported"],
  EADDRINUSE: [10, "Address in use"],
  ESTATE: [11, "Incorrect state"],
  ENOENT: [12, "Entry not found"],
  EPROTO: [13, "Protocol error"],
  EUNREACHABLE: [14, "Destination unreachable"],
  EADDRINVAL: [15, "Address invalid"],
  EPERM: [16, "Permission denied"],
  EMSGSIZE: [17, "Message too large"],
  ECONNABORTED: [18, "Connection aborted"],
  ECONNRESET: [19, "Connection reset"],
  ECANCELED: [20, "Operation canceled"],
  ENOFILES: [21, "Out of files"],
  ENOSPC: [22, "Out of space"],
  EEXIST: [23, "Resource already exists"],
  EREADONLY: [24, "Read only resource"],
  EWRITEONLY: [25, "Write only resource"],
  ECRYPTO: [26, "Cryptographic error"],
  EPEERAUTH: [27, "Peer could not be authenticated"],
  ENOARG: [28, "Option requires argument"],
  EAMBIGUOUS: [29, "Ambiguous option"],
  EBADTYPE: [30, "Incorrect type"],
  ECONNSHUT: [31, "Connection shutdown"],
  EINTERNAL: [1000, "Internal error"],
} as const satisfies Record<string, readonly [number, string]>;

export type NngErrorCode = keyof typeof ERRORS;

/** Bits or-ed into an errno for system and transport errors, as in nng.h. */
export const ESYSERR = 0x10000000;
export const ETRANERR = 0x20000000;

const byNumber = new Map<number, NngErrorCode>(
  (Object.keys(ERRORS) as NngErrorCode[]).map((code) => [ERRORS[code][0], code]),
);

/** Every error the library reports. `code` is NNG's name, `errno` its number in nng.h. */
export class NngError extends Error {
  readonly code: NngErrorCode;
  readonly errno: number;

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
