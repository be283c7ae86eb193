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

function run(start: (aio: Aio) => void, msg: Message | null, options: OperationOptions | undefined): Promise<Aio> {
  return new Promise<Aio>((resolve, reject) => {
    const signal = options?.signal;
    if (signal?.aborted) return reject(new NngError("ECANCELED", "aborted"));
    const onAbort = (): void => aio.cancel();
    const aio = new Aio((a) => {
      signal?.removeEventListener("abort", onAbort);
      const err = a.result;
      if (err === 0) return resolve(a);
      reject(options?.nonblock && err.code === "ETIMEDOUT" ? new NngError("EAGAIN") : err);
    });
    aio.msg = msg;
    aio.timeout = options?.nonblock ? 0 : (options?.timeout ?? DURATION_DEFAULT);
    signal?.addEventListener("abort", onAbort, { once: true });
    start(aio);
  });
}

/** The Promise form of a send operation. */
export async function runSend(start: (aio: Aio) => void, data: Bytes | Message, options?: OperationOptions): Promise<void> {
  await run(start, data instanceof Message ? data : new Message(data), options);
}

/** The Promise form of a receive operation. */
export async function runRecv(start: (aio: Aio) => void, options?: OperationOptions): Promise<Message> {
  const aio = await run(start, null, options);
  return aio.msg!;
}
