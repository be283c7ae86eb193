// The timed loops of NNG's perf tools (perf/perf.c), on aios: shared by `nngts perf` and the benchmark (bench/).
import { Aio } from "../core/aio.js";
import { Message } from "../core/message.js";
import type { Socket } from "../socket/socket.js";

/** "aio": one reused Aio per side; "promise": `await sock.send()` / `await sock.recv()` loops. */
export type PerfApi = "aio" | "promise";

/** `count` messages (throughput) or round trips (latency) in `seconds`. */
export interface PerfMeasurement {
  seconds: number;
  count: number;
}

/** NNG's local_thr sets NNG_OPT_RECVBUF, remote_thr NNG_OPT_SENDBUF, both to 128. */
export const PERF_BUFFER = 128;

export function seconds(): number {
  return performance.now() / 1000;
}

/** What NNG's perf tools die with when a message has another size. */
export class WrongSizeError extends Error {
  constructor(got: number, want: number) {
    super(`wrong message size: ${got} != ${want}`);
  }
}

function checkSize(msg: Message, size: number): Error | null {
  return msg.length === size ? null : new WrongSizeError(msg.length, size);
}

/** local_thr: waits for the sync message, then times the reception of `count` messages of `size` bytes. */
export async function receiveThroughput(sock: Socket, size: number, count: number, api: PerfApi = "aio"): Promise<PerfMeasurement> {
  await sock.recv();
  const start = seconds();
  if (api === "promise") {
    for (let i = 0; i < count; i++) {
      const err = checkSize(await sock.recv(), size);
      if (err) throw err;
    }
  } else if (count > 0) {
    await new Promise<void>((resolve, reject) => {
      let received = 0;
      const aio = new Aio((a) => {
        if (a.result !== 0) return reject(a.result);
        const err = checkSize(a.msg!, size);
        if (err) return reject(err);
        a.msg = null;
        if (++received === count) resolve();
        else sock.recvAio(a);
      });
      sock.recvAio(aio);
    });
  }
  return { seconds: seconds() - start, count };
}

/**
 * remote_thr: sends the (empty) sync message, then `count` messages of `size` bytes. "aio": one Aio
 * whose callback sends the next message, each a Message.wrap of one payload (no copy); "promise":
 * the plain `await sock.send(bytes)` loop (which copies the bytes into a new Message).
 */
export async function sendThroughput(sock: Socket, size: number, count: number, api: PerfApi = "aio", syncs = 1): Promise<void> {
  const payload = new Uint8Array(size);
  // One sync message per receiving peer (round robin gives each connected pull one; perf has one).
  for (let i = 0; i < syncs; i++) await sock.send(new Message(0));
  if (api === "promise") {
    for (let i = 0; i < count; i++) await sock.send(payload);
    return;
  }
  if (count === 0) return;
  await new Promise<void>((resolve, reject) => {
    let sent = 1;
    const aio = new Aio((a) => {
      if (a.result !== 0) return reject(a.result);
      if (sent === count) return resolve();
      sent++;
      a.msg = Message.wrap(payload);
      sock.sendAio(a);
    });
    aio.msg = Message.wrap(payload);
    sock.sendAio(aio);
  });
}

/** local_lat: sends every received message straight back, `count` times (checking its size when given). */
export function serveLatency(sock: Socket, count: number, size?: number): Promise<void> {
  if (count === 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    let answered = 0;
    let sending = false;
    const aio = new Aio((a) => {
      if (a.result !== 0) return reject(a.result);
      if (!sending) {
        const err = size === undefined ? null : checkSize(a.msg!, size);
        if (err) return reject(err);
        sending = true;
        sock.sendAio(a); // a.msg is the message just received
        return;
      }
      sending = false;
      if (++answered === count) resolve();
      else sock.recvAio(a);
    });
    sock.recvAio(aio);
  });
}

/** remote_lat: `count` round trips of one `size`-byte message, each reply sent back as the next request. */
export async function measureLatency(sock: Socket, size: number, count: number): Promise<PerfMeasurement> {
  const start = seconds();
  if (count > 0) {
    await new Promise<void>((resolve, reject) => {
      let trips = 0;
      let sending = true;
      const aio = new Aio((a) => {
        if (a.result !== 0) return reject(a.result);
        if (sending) {
          sending = false;
          sock.recvAio(a);
          return;
        }
        const err = checkSize(a.msg!, size);
        if (err) return reject(err);
        if (++trips === count) return resolve();
        sending = true;
        sock.sendAio(a);
      });
      aio.msg = new Message(size);
      sock.sendAio(aio);
    });
  }
  return { seconds: seconds() - start, count };
}
