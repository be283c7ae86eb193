// The vocabulary shared by the benchmark's orchestrator (run.ts) and its child processes (worker.ts).

export type Transport = "inproc" | "ipc" | "tcp" | "ws" | "tls";

/** tls+tcp: the listener's certificate and key (one PEM file), and the CA the dialer trusts. */
export interface TlsFiles {
  certKeyFile: string;
  caFile: string;
}
/** "push": push0 → pull0; "pair1": pair1 both ends; "reqrep": req0 ↔ rep0 (latency, and the "rr" cases with contexts); "pubsub": pub0 → N sub0 (fan-out only). */
export type Proto = "push" | "pair1" | "reqrep" | "pubsub";
/** "aio": sendAio/recvAio with one reused Aio per side; "promise": `await sock.send()` / `await sock.recv()` loops. */
export type Api = "aio" | "promise";

/**
 * What a child process is asked to do; it prints `ready <url>` once listening (`ready <url> <url>...` for
 * a receiver of `peers` pull sockets) and `result <json>` at the end.
 */
export type WorkerSpec =
  | { impl: "nngts"; role: "thr-recv" | "thr-send"; proto: Proto; api: Api; url: string; size: number; count: number; tls?: TlsFiles; peers?: number }
  | { impl: "nngts"; role: "mem-recv" | "mem-send"; url: string; size: number; ms: number }
  | { impl: "nngts"; role: "lat-server" | "lat-client"; proto: Proto; url: string; size: number; count: number; warmup: number; tls?: TlsFiles }
  | { impl: "nngts"; role: "thr-inproc"; proto: Proto; api: Api; size: number; count: number }
  | { impl: "nngts"; role: "lat-inproc"; proto: Proto; size: number; count: number; warmup: number }
  | { impl: "nngts"; role: "fanout-pub" | "fanout-subs"; url: string; size: number; count: number; subscribers: number }
  | { impl: "nngts"; role: "fanout-inproc"; size: number; count: number; subscribers: number }
  | { impl: "nngts"; role: "rr-server" | "rr-client"; url: string; size: number; count: number; contexts: number }
  | { impl: "nngts"; role: "rr-inproc"; size: number; count: number; contexts: number }
  | { impl: "zeromq"; role: "thr-recv" | "thr-send" | "lat-server" | "lat-client"; url: string; size: number; count: number; warmup: number }
  | { impl: "ceiling"; role: "thr-recv" | "thr-send" | "lat-server" | "lat-client"; ipc: boolean; url: string; size: number; count: number; warmup: number };

/**
 * One measurement: `count` messages (throughput) or round trips (latency) in `seconds`; for a sender
 * facing a stalled receiver, the messages it got accepted in `seconds` and its resident memory.
 */
export interface Measurement {
  seconds: number;
  count: number;
  /** fan-out: messages that could have been delivered (published × subscribers); count is what was */
  offered?: number;
  /** fan-out: how long the publisher took to send them all */
  pubSeconds?: number;
  /** bytes: RSS once connected, before sending */
  rssBefore?: number;
  /** bytes: highest RSS sampled during the first half of the run */
  rssHalf?: number;
  /** bytes: highest RSS of the whole run (the OS's max RSS) */
  rssPeak?: number;
}

export const READY = "ready";
export const RESULT = "result";
