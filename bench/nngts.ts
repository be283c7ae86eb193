// The nngts side of each measurement, shaped like NNG's perf tools (local_thr/remote_thr, local_lat/remote_lat).
import { Pair1, Pub0, Pull0, Push0, Socket, Sub0 } from "../src/index.js";
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

/** Both ends in this process over inproc; the client's measurement. */
export async function inprocLatency(proto: Proto, size: number, count: number): Promise<Measurement> {
  const url = inprocUrl();
  const server = await openSocket(proto, "listener");
  const client = await openSocket(proto, "dialer");
  try {
    await server.listen(url);
    await client.dial(url);
    const served = serveLatency(server, count);
    const m = await measureLatency(client, size, count);
    await served;
    return m;
  } finally {
    await client.close();
    await server.close();
  }
}
