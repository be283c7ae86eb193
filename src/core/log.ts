/**
 * A light log hook with NNG's levels (nng_log(3)): the library reports what an operator needs to
 * see (rejected peers, oversized or malformed frames, failed connects and accepts) to one logger.
 * Nothing is logged until a logger is set, and a disabled level costs one number comparison.
 */

/** NNG's log levels, numbered as syslog numbers them (lower is more severe). */
export const LOG_LEVELS = {
  /** Nothing is reported. */
  none: 0,
  /** Errors (NNG_LOG_ERR). */
  err: 3,
  /** Warnings: failed connects and accepts, rejected peers (NNG_LOG_WARN). */
  warn: 4,
  /** Significant but normal events (NNG_LOG_NOTICE), the default level. */
  notice: 5,
  /** Informational (NNG_LOG_INFO). */
  info: 6,
  /** Debugging detail (NNG_LOG_DEBUG). */
  debug: 7,
} as const;

/** The name of a level: "none", "err", "warn", "notice", "info" or "debug". */
export type LogLevel = keyof typeof LOG_LEVELS;

/** One log record. `msgid` is NNG's message id where NNG has one (e.g. "NNG-PEER-MISMATCH"). */
export interface LogRecord {
  /** How severe it is. */
  level: Exclude<LogLevel, "none">;
  /** NNG's message id, e.g. "NNG-RCVMAX". */
  msgid: string;
  /** A sentence for people. */
  message: string;
  /** The socket's id, when one is concerned. */
  socket?: number;
  /** The pipe's id, when one is concerned. */
  pipe?: number;
  /** The dialer's or listener's id, when one is concerned. */
  endpoint?: number;
  /** The URL concerned. */
  url?: string;
}

/** Receives each record at or above the level set; must not throw (if it does, the error is swallowed). */
export type Logger = (record: LogRecord) => void;

let logger: Logger | null = null;
/** The numeric threshold; 0 while no logger is set, so that `logEnabled` is one comparison. */
let threshold = 0;
let level: LogLevel = "notice";

/** Sets the logger (null: none, the default) and optionally the level (default "notice", as NNG). */
export function setLogger(fn: Logger | null, minLevel?: LogLevel): void {
  logger = fn;
  if (minLevel !== undefined) level = minLevel;
  threshold = fn ? LOG_LEVELS[level] : 0;
}

/** Sets the most verbose level that is reported ("none" silences the logger). */
export function setLogLevel(minLevel: LogLevel): void {
  level = minLevel;
  threshold = logger ? LOG_LEVELS[level] : 0;
}

/** The most verbose level reported now. */
export function getLogLevel(): LogLevel {
  return level;
}

/** True when records of this level reach the logger. */
export function logEnabled(at: Exclude<LogLevel, "none">): boolean {
  return LOG_LEVELS[at] <= threshold;
}

/** Reports a record; a logger that throws never breaks the caller. */
export function log(record: LogRecord): void {
  if (LOG_LEVELS[record.level] > threshold || !logger) return;
  try {
    logger(record);
  } catch {
    // a broken logger must not break messaging
  }
}

/** A logger that writes one line per record with `console.error` (NNG's stderr logger). */
export const stderrLogger: Logger = (r) => {
  const where = [
    r.socket !== undefined ? `socket<${r.socket}>` : "",
    r.endpoint !== undefined ? `endpoint<${r.endpoint}>` : "",
    r.pipe !== undefined ? `pipe<${r.pipe}>` : "",
    r.url ?? "",
  ]
    .filter((s) => s !== "")
    .join(" ");
  console.error(`${new Date().toISOString()} ${r.level.toUpperCase()} ${r.msgid}: ${r.message}${where ? ` (${where})` : ""}`);
};
