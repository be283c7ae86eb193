import { type Deferred, defer } from "./defer.js";
import { NngError } from "./errors.js";
import type { Message } from "./message.js";

/** Infinite timeout (NNG_DURATION_INFINITE). */
export const DURATION_INFINITE = -1;
/** Use the socket's default timeout (NNG_DURATION_DEFAULT). */
export const DURATION_DEFAULT = -2;
/** Fail at once if the operation cannot complete immediately (NNG_DURATION_ZERO). */
export const DURATION_ZERO = 0;

/** Called once per operation, asynchronously, after `aio.result` (and `aio.msg` for a receive) are set. */
export type AioCallback = (aio: Aio) => void;

/**
 * How a provider (socket, protocol, sleep) cancels the operation it started on an aio.
 * It must take the aio off its wait lists and call `aio.finish(err)`, or do nothing if it
 * already finished it.
 */
export type AioCanceler = (aio: Aio, err: NngError) => void;

/**
 * NNG's asynchronous I/O handle (nng_aio). Start an operation with a provider (`socket.sendAio(aio)`,
 * `socket.recvAio(aio)`, `ctx.sendAio(aio)`, `sleepAio(ms, aio)`); its callback then runs exactly
 * once, always asynchronously (never inside the call that started it), after `result` and, for a
 * receive, `msg` are set. One operation at a time: starting another while one is in progress throws
 * EBUSY. An aio can be reused for the next operation once its callback has run.
 */
export class Aio implements Deferred {
  /**
   * nng_aio_set_msg / nng_aio_get_msg: the message to send (the socket owns it once the send
   * succeeds, and sets this to null), or the one received (it then belongs to the caller).
   */
  msg: Message | null = null;
  /** nng_aio_result: 0 on success, otherwise the NngError that ended the last operation. */
  result: 0 | NngError = 0;
  /**
   * nng_aio_set_timeout: milliseconds for the next operations; DURATION_INFINITE (-1) waits forever,
   * DURATION_DEFAULT (-2, the default) uses the socket's send-timeout/recv-timeout, 0 fails at once
   * with ETIMEDOUT unless the operation can complete immediately.
   */
  timeout: number = DURATION_DEFAULT;
  /** A provider-defined counter (bytes moved by stream operations). */
  count = 0;

  /** @internal provider data: the context or wait list the aio sits in. */
  owner: unknown = null;

  private readonly callback: AioCallback | undefined;
  private canceler: AioCanceler | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private pending = false;
  private callbackDue = false;
  private stopped = false;
  private waiters: Array<() => void> | null = null;

  /** nng_aio_alloc. Without a callback, use `wait()` to learn when the operation ended. */
  constructor(callback?: AioCallback) {
    this.callback = callback;
  }

  /** True while an operation is in progress or its callback has not run yet. */
  get busy(): boolean {
    return this.pending || this.callbackDue;
  }

  /**
   * nng_aio_cancel: the operation in progress (if any) ends with ECANCELED; its callback still runs.
   * A send that is cancelled leaves its message on the aio.
   */
  cancel(): void {
    this.abort(new NngError("ECANCELED"));
  }

  /** nng_aio_abort: ends the operation in progress (if any) with `err`. */
  abort(err: NngError): void {
    if (!this.pending) return;
    const canceler = this.canceler;
    if (canceler) {
      this.canceler = null;
      canceler(this, err);
    }
  }

  /**
   * nng_aio_stop: cancels any operation and refuses new ones (they end with ECANCELED) until
   * `reset()`. The returned Promise settles once the cancelled operation's callback has run.
   */
  stop(): Promise<void> {
    this.stopped = true;
    this.cancel();
    return this.wait();
  }

  /** Makes a stopped aio usable again. */
  reset(): void {
    this.stopped = false;
  }

  /** nng_aio_wait: settles when no operation is pending and its callback has run. */
  wait(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise<void>((resolve) => {
      (this.waiters ??= []).push(resolve);
    });
  }

  // ---- provider side ----

  /**
   * Starts an operation. Returns false (the aio is then already finished with its error) if the
   * aio is stopped, or if `timeout` is 0: a zero timeout runs the canceler at once with ETIMEDOUT,
   * before the provider has recorded the aio anywhere, so cancelers must accept an aio they do not
   * hold. `timeout` is the effective deadline in ms (-1 none); on expiry the canceler runs with
   * ETIMEDOUT.
   */
  begin(canceler: AioCanceler | null, timeout: number): boolean {
    if (this.pending) throw new NngError("EBUSY", "aio already has an operation in progress");
    this.result = 0;
    this.count = 0;
    this.pending = true;
    if (this.stopped) {
      this.finish(new NngError("ECANCELED"));
      return false;
    }
    this.canceler = canceler;
    if (timeout >= 0 && canceler) {
      if (timeout === 0) {
        this.canceler = null;
        canceler(this, new NngError("ETIMEDOUT"));
        return this.pending;
      }
      this.timer = setTimeout(expire, timeout, this);
    }
    return true;
  }

  /** Ends the operation with `result` and schedules the callback. Idempotent per operation. */
  finish(result: 0 | NngError): void {
    if (!this.pending) return;
    this.pending = false;
    this.canceler = null;
    this.owner = null;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.result = result;
    this.callbackDue = true;
    defer(this);
  }

  /** True while the operation started by `begin` has not finished. */
  get inProgress(): boolean {
    return this.pending;
  }

  /** @internal runs the callback (scheduled by `finish`). */
  runDeferred(): void {
    this.callbackDue = false;
    const waiters = this.waiters;
    this.waiters = null;
    try {
      this.callback?.(this);
    } finally {
      if (waiters) for (const w of waiters) w();
    }
  }

  /** @internal called by the timer */
  expire(): void {
    this.timer = null;
    const canceler = this.canceler;
    if (canceler) {
      this.canceler = null;
      canceler(this, new NngError("ETIMEDOUT"));
    }
  }
}

function expire(aio: Aio): void {
  aio.expire();
}

/**
 * nng_sleep_aio: completes the aio successfully after `ms` milliseconds (ECANCELED if cancelled).
 */
export function sleepAio(ms: number, aio: Aio): void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const ok = aio.begin((a, err) => {
    if (timer !== null) clearTimeout(timer);
    a.finish(err);
  }, DURATION_INFINITE);
  if (!ok) return;
  timer = setTimeout(() => {
    timer = null;
    aio.finish(0);
  }, Math.max(0, ms));
}

/** The effective timeout of an aio given the socket's default for the operation. */
export function effectiveTimeout(aio: Aio, socketDefault: number): number {
  return aio.timeout === DURATION_DEFAULT ? socketDefault : aio.timeout;
}
