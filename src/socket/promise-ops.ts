import { Aio, DURATION_DEFAULT } from "../core/aio.js";
import { NngError } from "../core/errors.js";
import { type Bytes, Message } from "../core/message.js";

/** Options of the Promise-returning send/recv. */
export interface OperationOptions {
  /** Milliseconds; -1 waits forever; default: the socket's send-timeout / recv-timeout. */
  timeout?: number;
  /** Fail with EAGAIN instead of waiting. */
  nonblock?: boolean;
  /** Aborting cancels the operation (ECANCELED). */
  signal?: AbortSignal;
}

/** Ends an aio at once with `err`, callback still asynchronous. */
export function failAio(aio: Aio, err: NngError): void {
  aio.begin(null, -1);
  aio.finish(err);
}

// Promise per operation, but nothing more: no async wrapper (an extra promise and turn) and no
// closure beyond the executor's.
function run<T>(
  start: (aio: Aio) => void,
  msg: Message | null,
  options: OperationOptions | undefined,
  result: (aio: Aio) => T,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const signal = options?.signal;
    if (signal?.aborted) return reject(new NngError("ECANCELED", "aborted"));
    const onAbort = signal ? (): void => aio.cancel() : null;
    const aio = new Aio((a) => {
      if (onAbort) signal!.removeEventListener("abort", onAbort);
      const err = a.result;
      if (err === 0) return resolve(result(a));
      reject(options?.nonblock && err.code === "ETIMEDOUT" ? new NngError("EAGAIN") : err);
    });
    aio.msg = msg;
    if (options) aio.timeout = options.nonblock ? 0 : (options.timeout ?? DURATION_DEFAULT);
    if (onAbort) signal!.addEventListener("abort", onAbort, { once: true });
    start(aio);
  });
}

const nothing = (): void => undefined;
const received = (aio: Aio): Message => aio.msg!;

/** The Promise form of a send operation. */
export function runSend(start: (aio: Aio) => void, data: Bytes | Message, options?: OperationOptions): Promise<void> {
  try {
    return run(start, data instanceof Message ? data : new Message(data), options, nothing);
  } catch (e) {
    return Promise.reject(e);
  }
}

/** The Promise form of a receive operation. */
export function runRecv(start: (aio: Aio) => void, options?: OperationOptions): Promise<Message> {
  return run(start, null, options, received);
}
