// The vocabulary shared by the benchmark's orchestrator (run.ts) and its child processes (worker.ts).

export type Transport = "inproc" | "ipc" | "tcp";
/** "push": push0 → pull0; "pair1": pair1 both ends; "reqrep": req0 ↔ rep0 (latency only). */
export type Proto = "push" | "pair1" | "reqrep";
/** "aio": sendAio/recvAio with one reused Aio per side; "promise": `await sock.send()` / `await sock.recv()` loops. */
export type Api = "aio" | "promise";

/**
 * What a child process is asked to do; it prints `ready <url>` once listening (`ready <url> <url>...` for
 * a receiver of `peers` pull sockets) and `result <json>` at the end.
 */
export type WorkerSpec =
  | { impl: "nngts"; role: "thr-recv" | "thr-send"; proto: Proto; api: Api; url: string; size: number; count: number; peers?: number }
  | { impl: "nngts"; role: "mem-recv" | "mem-send"; url: string; size: number; ms: number }
  | { impl: "nngts"; role: "lat-server" | "lat-client"; proto: Proto; url: string; size: number; count: number }
  | { impl: "nngts"; role: "thr-inproc"; proto: Proto; api: Api; size: number; count: number }
  | { impl: "nngts"; role: "lat-inproc"; proto: Proto; size: number; count: number }
  | { impl: "ceiling"; role: "thr-recv" | "thr-send" | "lat-server" | "lat-client"; ipc: boolean; url: string; size: number; count: number };

/**
 * One measurement: `count` messages (throughput) or round trips (latency) in `seconds`; for a sender
 * facing a stalled receiver, the messages it got accepted in `seconds` and its resident memory.
 */
export interface Measurement {
  seconds: number;
  count: number;
  /** bytes: RSS once connected, before sending */
  rssBefore?: number;
  /** bytes: highest RSS sampled during the first half of the run */
  rssHalf?: number;
  /** bytes: highest RSS of the whole run (the OS's max RSS) */
  rssPeak?: number;
}

export const READY = "ready";
export const RESULT = "result";
