// Helpers for asserting on NNG operations: aio runs and NngError codes.
import assert from "node:assert/strict";
import { Aio, type Context, type Message, NngError, type Socket } from "../../src/index.js";

/** Anything with aio operations: a socket or a context. */
export type AioTarget = Pick<Socket, "sendAio" | "recvAio"> | Context;

/** Runs one aio operation and resolves with the aio once its callback ran. */
export function runAio(start: (aio: Aio) => void, msg: Message | null = null, timeout?: number): Promise<Aio> {
  return new Promise((resolve) => {
    const aio = new Aio((a) => resolve(a));
    aio.msg = msg;
    if (timeout !== undefined) aio.timeout = timeout;
    start(aio);
  });
}

export const sendAio = (t: AioTarget, msg: Message, timeout?: number): Promise<Aio> => runAio((a) => t.sendAio(a), msg, timeout);
export const recvAio = (t: AioTarget, timeout?: number): Promise<Aio> => runAio((a) => t.recvAio(a), null, timeout);

/** The aio's result as a string: "ok" or the NNG error code. */
export const aioCode = (aio: Aio): string => (aio.result === 0 ? "ok" : aio.result.code);

/** Asserts that `p` rejects with an NngError of code `c`. */
export async function rejectsWith(p: Promise<unknown>, c: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof NngError && e.code === c);
}
