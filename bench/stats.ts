// Summaries of repeated measurements.
import type { BenchCase } from "./cases.js";
import type { Measurement } from "./spec.js";

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: number[]): Spread {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  const median = v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  return { median, min: v[0]!, max: v[v.length - 1]! };
}

export interface CaseResult {
  c: BenchCase;
  runs: Measurement[];
  /** the first failure, if any run failed */
  error?: string;
  /** wall time of all repetitions, seconds */
  wall: number;
}

/** Messages per second of one throughput run. */
export function msgsPerSec(m: Measurement): number {
  return m.count / m.seconds;
}

/** NNG perf's latency: total time over twice the round trips, in microseconds. */
export function oneWayMicros(m: Measurement): number {
  return (m.seconds * 1e6) / (2 * m.count);
}

/** rr: mean round trip of one request (each of the `contexts` contexts runs count/contexts in a row), µs. */
export function roundTripMicros(m: Measurement, contexts: number): number {
  return (m.seconds * 1e6 * contexts) / m.count;
}

export interface Summary {
  /** throughput: msgs/s; latency: µs; rr: requests/s */
  main: Spread;
  /** throughput: MB/s (10^6 bytes of payload); latency: unused */
  mbps?: Spread;
  /** fan-out: percentage of the offered deliveries (published × subscribers) that were dropped */
  dropPct?: Spread;
  /** fan-out: the publisher's sending rate, msgs/s */
  published?: Spread;
  /** rr: mean round trip, µs */
  rtt?: Spread;
}

export function summarize(r: CaseResult): Summary | null {
  if (r.runs.length === 0) return null;
  if (r.c.kind === "lat") return { main: spread(r.runs.map(oneWayMicros)) };
  if (r.c.kind === "rr") return { main: spread(r.runs.map(msgsPerSec)), rtt: spread(r.runs.map((m) => roundTripMicros(m, r.c.contexts ?? 1))) };
  if (r.c.kind === "fanout") {
    return {
      main: spread(r.runs.map(msgsPerSec)),
      dropPct: spread(r.runs.map((m) => (100 * ((m.offered ?? m.count) - m.count)) / (m.offered ?? m.count))),
      published: spread(r.runs.map((m) => r.c.count / (m.pubSeconds ?? m.seconds))),
    };
  }
  const rates = r.runs.map(msgsPerSec);
  return { main: spread(rates), mbps: spread(rates.map((x) => (x * r.c.size) / 1e6)) };
}
