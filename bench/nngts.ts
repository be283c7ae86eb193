// The nngts side of each measurement, shaped like NNG's perf tools (local_thr/remote_thr, local_lat/remote_lat).
import { Aio, Message, Pair1, Pub0, Pull0, Push0, Socket, Sub0 } from "../src/index.js";
import { loadReqRep } from "./reqrep.js";
import type { Api, Measurement, Proto } from "./spec.js";
import { PERF_BUFFER, receiveThroughput, sendThroughput, serveLatency, measureLatency, seconds } from "../src/cli/perf-loops.js";

// The timed loops live with `nngts perf` (src/cli/perf-loops.ts); the benchmark shares them.
export { receiveThroughput, sendThroughput, serveLatency, measureLatency, seconds };

export async function openSocket(proto: Proto, side: "listener" | "dialer"): Promise<Socket> {
  if (proto === "pair1") return new Pair1();
  if (proto === "push") return side === "listener" ? new Pull0() : new Push0();
  if (proto === "pubsub") return side === "listener" ? new Pub0() : new Sub0();
  const rr = await loadReqRep();
  if (!rr) throw new Error("req0/rep0 are not available");
  return new Socket(side === "listener" ? rr.rep : rr.req);
}

/** The receiving end (listens): buffer as NNG's local_thr. */
export async function thrReceiverSocket(proto: Proto): Promise<Socket> {
  const s = await openSocket(proto, "listener");
  s.setOption("recv-buffer", PERF_BUFFER);
  return s;
}

/** The sending end (dials): buffer as NNG's remote_thr. */
export async function thrSenderSocket(proto: Proto): Promise<Socket> {
  const s = await openSocket(proto, "dialer");
  s.setOption("send-buffer", PERF_BUFFER);
  return s;
}

function checkSize(msg: Message, size: number): Error | null {
  return msg.length === size ? null : new Error(`wrong message size: ${msg.length} != ${size}`);
}

/**
 * `socks` pull sockets (one push spreads its messages over them): each first gets an empty sync message;
 * the clock starts at the first sync and stops when `count` messages of `size` bytes arrived in all.
 */
export async function receiveFanout(socks: Socket[], size: number, count: number): Promise<Measurement> {
  let start = 0;
  let received = 0;
  await new Promise<void>((resolve, reject) => {
    for (const sock of socks) {
      const aio = new Aio((a) => {
        if (a.result !== 0) return reject(a.result);
        const msg = a.msg!;
        a.msg = null;
        if (msg.length === 0) {
          if (start === 0) start = seconds();
        } else {
          const err = checkSize(msg, size);
          if (err) return reject(err);
          if (++received === count) return resolve();
        }
        sock.recvAio(a);
      });
      sock.recvAio(aio);
    }
  });
  return { seconds: seconds() - start, count };
}

/**
 * A sender facing a receiver that never reads: for `ms` milliseconds it keeps offering fresh
 * `size`-byte messages (each with its own bytes, so that anything queued shows in memory), and
 * samples its resident memory. Flow control must stop it once its queues and the kernel's are full.
 */
export async function stalledSend(sock: Socket, size: number, ms: number): Promise<Measurement> {
  const rss = (): number => process.memoryUsage.rss();
  await new Promise((r) => setTimeout(r, 100)); // let the connection settle
  const rssBefore = rss();
  let rssHalf = rssBefore;
  let peak = rssBefore;
  const half = ms / 2;
  const start = seconds();
  const sample = setInterval(() => {
    const v = rss();
    peak = Math.max(peak, v);
    if ((seconds() - start) * 1000 < half) rssHalf = Math.max(rssHalf, v);
  }, 10);
  let accepted = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const aio = new Aio((a) => {
        if (a.result === 0) {
          accepted++;
          a.msg = new Message(size);
        } else if (a.result.code !== "ETIMEDOUT") return reject(a.result);
        // ETIMEDOUT: the message stays on the aio; offer it again until the time is up.
        if ((seconds() - start) * 1000 >= ms) return resolve();
        sock.sendAio(a);
      });
      aio.timeout = 50;
      aio.msg = new Message(size);
      sock.sendAio(aio);
    });
  } finally {
    clearInterval(sample);
  }
  const rssPeak = Math.max(peak, process.resourceUsage().maxRSS * 1024);
  return { seconds: seconds() - start, count: accepted, rssBefore, rssHalf, rssPeak };
}
function inprocUrl(): string {
  return `inproc://bench-${process.pid}-${Math.random().toString(36).slice(2)}`;
}

/** Both ends in this process over inproc; the receiver's measurement. */
export async function inprocThroughput(proto: Proto, size: number, count: number, api: Api): Promise<Measurement> {
  const url = inprocUrl();
  const rx = await thrReceiverSocket(proto);
  const tx = await thrSenderSocket(proto);
  try {
    await rx.listen(url);
    await tx.dial(url);
    const [m] = await Promise.all([receiveThroughput(rx, size, count, api), sendThroughput(tx, size, count, api)]);
    return m;
  } finally {
    await tx.close();
    await rx.close();
  }
}

/** Both ends in this process over inproc; the client's measurement, after `warmup` untimed round trips. */
export async function inprocLatency(proto: Proto, size: number, count: number, warmup = 0): Promise<Measurement> {
  const url = inprocUrl();
  const server = await openSocket(proto, "listener");
  const client = await openSocket(proto, "dialer");
  try {
    await server.listen(url);
    await client.dial(url);
    const served = serveLatency(server, warmup + count);
    await measureLatency(client, size, warmup);
    const m = await measureLatency(client, size, count);
    await served;
    return m;
  } finally {
    await client.close();
    await server.close();
  }
}
