// Which measurements exist, their ids (what --filter matches) and their message counts.
import type { Api, Proto, Transport } from "./spec.js";

/**
 * "cli": the `nngts perf` command (NNG's perf tools' modes) as a process of its own; "zeromq":
 * zeromq.js, only when it is installed.
 */
export type Impl = "nngts" | "libnng" | "ceiling" | "cli" | "zeromq";
/** thr: one-way throughput; lat: NNG perf latency; rr: req/rep with N contexts in flight (requests/s and round trip); fanout: pub/sub to N subscribers; mem: a sender facing a stalled receiver (its resident memory). */
export type Kind = "thr" | "lat" | "rr" | "fanout" | "mem";

export interface Side {
  impl: Impl;
  /** nngts only */
  api: Api;
}

export interface BenchCase {
  /** e.g. "thr:tcp:push:64B:nngts-libnng", "lat:tcp:reqrep:64B:nngts", "thr:tcp:ceiling:64B", "fanout:tcp:pubsub:64B:10sub" */
  id: string;
  kind: Kind;
  transport: Transport;
  /** the ceiling has no protocol: "push" stands for plain frames */
  proto: Proto;
  size: number;
  /** messages (throughput, published for fan-out), round trips (latency, rr) or milliseconds of sending (mem) */
  count: number;
  /** fan-out: how many subscribers */
  subscribers?: number;
  /** rr only: req contexts in flight (and rep contexts serving) */
  contexts?: number;
  /** throughput: the receiver is this many pull sockets, each connected to the one sender */
  peers?: number;
  /** latency: untimed round trips on the same connection before the clock starts (0: none, as NNG's tools) */
  warmup?: number;
  /** throughput: the receiver; latency: the server */
  listener: Side;
  /** throughput: the sender; latency: the client */
  dialer: Side;
  /** "nngts → libnng", "libnng", "ceiling"... */
  label: string;
  /** cases whose medians this one is compared with */
  refs: { ceiling?: string; libnng?: string; single?: string };
}

export const THR_SIZES = [64, 1024, 65536] as const;
export const LAT_SIZE = 64;

/**
 * Messages per run, sized so that a run takes about 0.5–2 s here (ws and the promise API, the slowest
 * Node paths, take up to ~4 s). Node against Node gets many messages so that JIT warm-up (inside the
 * timed window, as with NNG's tools) does not dominate (1 M × 64 B once took 0.12–0.2 s, mostly warm-up
 * and connection start; 3 M took ~0.35 s once tcp reached 8–10 M msgs/s); runs with a libnng side get fewer, since libnng
 * needs no warm-up and is slower here (its pull takes only ~30 k msgs/s, hence a further 4x fewer for a
 * libnng pull receiver). --quick divides all by 10.
 */
const NODE_COUNT: Record<number, number> = { 64: 5_000_000, 1024: 1_000_000, 65536: 50_000 };
const LIBNNG_COUNT: Record<number, number> = { 64: 100_000, 1024: 50_000, 65536: 10_000 };
const LIBNNG_PULL_DIVISOR = 4;
/** zeromq.js moves ~0.5 M msgs/s of 64 B here (one awaited send per message). */
const ZEROMQ_COUNT: Record<number, number> = { 64: 500_000, 1024: 250_000, 65536: 20_000 };
const LAT_COUNT = 10_000;
/**
 * Latency: untimed round trips before the clock starts, for every implementation alike (the C peer too),
 * so that the rows compare steady states. Without them the timed window of a Node process is mostly JIT
 * warm-up: with both tcp processes pinned to one CPU, 10 000 cold round trips averaged ~19 µs one way for
 * nngts req/rep against ~7 µs once warm, the ceiling's few lines ~11 µs against ~8. The `nngts perf` rows
 * keep NNG's tools' method (no warm-up), on both sides.
 */
const LAT_WARMUP = 10_000;
/** Fan-out: messages published, by subscriber count (about 0.5–2 s a run here). */
const FANOUT_COUNT: Record<number, number> = { 1: 200_000, 10: 40_000, 100: 4_000 };
export const FANOUT_SUBSCRIBERS = [1, 10, 100] as const;
export const FANOUT_SIZE = 64;
/** req/rep with contexts: 1, 10 and 1000 requests in flight; total exchanges per run (nngts at both ends). */
export const RR_CONTEXTS = [1, 10, 1000] as const;
const RR_COUNT: Record<number, number> = { 1: 20_000, 10: 100_000, 1000: 200_000 };

function thrCount(size: number, proto: Proto, dialer: Side, listener: Side, div: number): number {
  if (dialer.impl !== "libnng" && listener.impl !== "libnng") return NODE_COUNT[size]! / div;
  const slowPull = listener.impl === "libnng" && proto === "push" && size < 65536;
  return LIBNNG_COUNT[size]! / div / (slowPull ? LIBNNG_PULL_DIVISOR : 1);
}

export function sizeLabel(size: number): string {
  return size >= 1024 ? `${size / 1024}KiB` : `${size}B`;
}

export function protoLabel(proto: Proto | "ceiling"): string {
  return proto === "push" ? "push/pull" : proto === "reqrep" ? "req/rep" : proto === "pubsub" ? "pub/sub" : proto;
}

const nngts: Side = { impl: "nngts", api: "aio" };
const nngtsPromise: Side = { impl: "nngts", api: "promise" };
const libnng: Side = { impl: "libnng", api: "aio" };
const ceiling: Side = { impl: "ceiling", api: "aio" };
const cli: Side = { impl: "cli", api: "aio" };
const zeromq: Side = { impl: "zeromq", api: "promise" };

export interface CaseOptions {
  quick: boolean;
  libnng: boolean;
  reqrep: boolean;
  /** zeromq.js is installed: add its tcp rows */
  zeromq?: boolean;
}

/** Every case, references (ceiling, libnng) before the cases compared with them. */
export function allCases(o: CaseOptions): BenchCase[] {
  const div = o.quick ? 10 : 1;
  const out: BenchCase[] = [];
  const transports: Transport[] = ["inproc", "ipc", "tcp", "ws"];
  // The node:net ceiling frames like tcp/ipc; WebSocket framing has no such reference.
  const hasCeiling = (t: Transport): boolean => t === "ipc" || t === "tcp";

  for (const transport of transports) {
    const wire = transport !== "inproc";
    for (const size of THR_SIZES) {
      const at = `thr:${transport}`;
      const ceilingId = hasCeiling(transport) ? `${at}:ceiling:${sizeLabel(size)}` : undefined;
      if (ceilingId) {
        const count = thrCount(size, "push", ceiling, ceiling, div);
        out.push({ id: ceilingId, kind: "thr", transport, proto: "push", size, count, listener: ceiling, dialer: ceiling, label: "ceiling (node:net)", refs: {} });
      }
      // ws: push/pull only (pair1 would repeat it), to keep the run short.
      for (const proto of transport === "ws" ? (["push"] as const) : (["push", "pair1"] as const)) {
        const base = `${at}:${proto}:${sizeLabel(size)}`;
        const libnngId = wire && o.libnng ? `${base}:libnng-libnng` : undefined;
        const refs = { ceiling: ceilingId, libnng: libnngId };
        const add = (pair: string, dialer: Side, listener: Side, label: string): void => {
          const count = thrCount(size, proto, dialer, listener, div);
          out.push({ id: `${base}:${pair}`, kind: "thr", transport, proto, size, count, listener, dialer, label, refs });
        };
        if (libnngId) add("libnng-libnng", libnng, libnng, "libnng → libnng");
        add("nngts-nngts", nngts, nngts, "nngts → nngts");
        // The promise API's cost shows on one protocol; pair1 would only repeat it.
        if (proto === "push" && transport !== "ws") add("nngts-nngts-promise", nngtsPromise, nngtsPromise, "nngts → nngts, promise API");
        if (libnngId) {
          add("nngts-libnng", nngts, libnng, "nngts → libnng");
          add("libnng-nngts", libnng, nngts, "libnng → nngts");
          // NNG's perf tools are pair1: the `nngts perf` command against libnng, both ways.
          if (proto === "pair1") {
            add("cli-libnng", cli, libnng, "nngts perf remote_thr → libnng local_thr");
            add("libnng-cli", libnng, cli, "libnng remote_thr → nngts perf local_thr");
          }
        }
        if (o.zeromq && transport === "tcp" && proto === "push") {
          const count = ZEROMQ_COUNT[size]! / div;
          out.push({ id: `${base}:zeromq`, kind: "thr", transport, proto, size, count, listener: zeromq, dialer: zeromq, label: "zeromq.js → zeromq.js", refs });
        }
      }
    }
  }

  for (const transport of transports) {
    const wire = transport !== "inproc";
    const count = LAT_COUNT / div;
    const warmup = LAT_WARMUP / div;
    const size = LAT_SIZE;
    const ceilingId = hasCeiling(transport) ? `lat:${transport}:ceiling:${sizeLabel(size)}` : undefined;
    if (ceilingId) {
      out.push({ id: ceilingId, kind: "lat", transport, proto: "pair1", size, count, warmup, listener: ceiling, dialer: ceiling, label: "ceiling (node:net)", refs: {} });
    }
    const protos: Proto[] = o.reqrep ? ["reqrep", "pair1"] : ["pair1"];
    for (const proto of protos) {
      const base = `lat:${transport}:${proto}:${sizeLabel(size)}`;
      const libnngId = wire && o.libnng ? `${base}:libnng` : undefined;
      const refs = { ceiling: ceilingId, libnng: libnngId };
      if (libnngId) out.push({ id: libnngId, kind: "lat", transport, proto, size, count, warmup, listener: libnng, dialer: libnng, label: "libnng", refs });
      out.push({ id: `${base}:nngts`, kind: "lat", transport, proto, size, count, warmup, listener: nngts, dialer: nngts, label: "nngts", refs });
      if (libnngId && proto === "pair1") {
        out.push({ id: `${base}:cli-libnng`, kind: "lat", transport, proto, size, count, listener: libnng, dialer: cli, label: "nngts perf remote_lat ↔ libnng local_lat", refs });
        out.push({ id: `${base}:libnng-cli`, kind: "lat", transport, proto, size, count, listener: cli, dialer: libnng, label: "libnng remote_lat ↔ nngts perf local_lat", refs });
      }
      if (o.zeromq && transport === "tcp" && proto === "reqrep") {
        out.push({ id: `${base}:zeromq`, kind: "lat", transport, proto, size, count, warmup, listener: zeromq, dialer: zeromq, label: "zeromq.js", refs });
      }
      if (libnngId) {
        const lat = { kind: "lat", transport, proto, size, count, warmup, refs } as const;
        out.push({ ...lat, id: `${base}:nngts-libnng`, listener: libnng, dialer: nngts, label: "nngts client → libnng server" });
        out.push({ ...lat, id: `${base}:libnng-nngts`, listener: nngts, dialer: libnng, label: "libnng client → nngts server" });
      }
    }
  }
  // Pub/sub fan-out: 1 publisher, 1/10/100 subscribers, nngts only (libnng's pub is measured by nobody here).
  for (const transport of transports) {
    for (const n of FANOUT_SUBSCRIBERS) {
      const size = FANOUT_SIZE;
      out.push({
        id: `fanout:${transport}:pubsub:${sizeLabel(size)}:${n}sub`,
        kind: "fanout",
        transport,
        proto: "pubsub",
        size,
        count: FANOUT_COUNT[n]! / div,
        subscribers: n,
        listener: nngts,
        dialer: nngts,
        label: `${n} subscriber${n === 1 ? "" : "s"}`,
        refs: {},
      });
    }
  }
  if (o.reqrep) {
    for (const transport of transports) {
      for (const contexts of RR_CONTEXTS) {
        const base = `rr:${transport}:reqrep:${sizeLabel(LAT_SIZE)}:${contexts}ctx`;
        const count = RR_COUNT[contexts]! / div;
        const plural = contexts === 1 ? "" : "s";
        const libnngId = transport !== "inproc" && o.libnng ? `${base}:libnng` : undefined;
        const c = { kind: "rr" as const, transport, proto: "reqrep" as const, size: LAT_SIZE, count, contexts };
        if (libnngId) out.push({ ...c, id: libnngId, listener: libnng, dialer: libnng, label: `libnng, ${contexts} context${plural}`, refs: {} });
        out.push({ ...c, id: `${base}:nngts`, listener: nngts, dialer: nngts, label: `nngts, ${contexts} context${plural}`, refs: { libnng: libnngId } });
      }
    }
  }
  // One push spreading over 100 connected pulls, against the same push with one pull.
  const fanSize = 64;
  out.push({
    id: `thr:tcp:push:${sizeLabel(fanSize)}:nngts-100pull`,
    kind: "thr",
    transport: "tcp",
    proto: "push",
    size: fanSize,
    count: NODE_COUNT[fanSize]! / div,
    peers: 100,
    listener: nngts,
    dialer: nngts,
    label: "nngts → 100 nngts pulls",
    refs: { ceiling: `thr:tcp:ceiling:${sizeLabel(fanSize)}`, single: `thr:tcp:push:${sizeLabel(fanSize)}:nngts-nngts` },
  });

  // A sender facing a receiver that stopped reading: its memory must stay within its queues.
  for (const size of [64, 65536]) {
    out.push({ id: `mem:tcp:push:${sizeLabel(size)}:stalled`, kind: "mem", transport: "tcp", proto: "push", size, count: STALL_MS / div, listener: nngts, dialer: nngts, label: "nngts push → stalled nngts pull", refs: {} });
  }
  out.push(...tlsCases(o, div));
  return out;
}

/**
 * tls+tcp: push/pull throughput and latency, nngts and libnng (mbedTLS). No ceiling of its own:
 * the tcp rows are the reference for what TLS costs.
 */
function tlsCases(o: CaseOptions, div: number): BenchCase[] {
  const out: BenchCase[] = [];
  const transport: Transport = "tls";
  for (const size of THR_SIZES) {
    const base = `thr:tls:push:${sizeLabel(size)}`;
    const libnngId = o.libnng ? `${base}:libnng-libnng` : undefined;
    const refs = { libnng: libnngId };
    const add = (pair: string, dialer: Side, listener: Side, label: string): void => {
      const count = thrCount(size, "push", dialer, listener, div);
      out.push({ id: `${base}:${pair}`, kind: "thr", transport, proto: "push", size, count, listener, dialer, label, refs });
    };
    if (libnngId) add("libnng-libnng", libnng, libnng, "libnng → libnng");
    add("nngts-nngts", nngts, nngts, "nngts → nngts");
    if (libnngId) {
      add("nngts-libnng", nngts, libnng, "nngts → libnng");
      add("libnng-nngts", libnng, nngts, "libnng → nngts");
    }
  }
  const protos: Proto[] = o.reqrep ? ["reqrep", "pair1"] : ["pair1"];
  for (const proto of protos) {
    const base = `lat:tls:${proto}:${sizeLabel(LAT_SIZE)}`;
    const libnngId = o.libnng ? `${base}:libnng` : undefined;
    const count = LAT_COUNT / div;
    const warmup = LAT_WARMUP / div;
    if (libnngId) out.push({ id: libnngId, kind: "lat", transport, proto, size: LAT_SIZE, count, warmup, listener: libnng, dialer: libnng, label: "libnng", refs: {} });
    out.push({ id: `${base}:nngts`, kind: "lat", transport, proto, size: LAT_SIZE, count, warmup, listener: nngts, dialer: nngts, label: "nngts", refs: { libnng: libnngId } });
  }
  return out;
}

/** How long (ms) the stalled-receiver cases keep offering messages. */
const STALL_MS = 4000;

/** Cases whose id contains one of `filters` (all when none), plus the references they are compared with. */
export function selectCases(cases: BenchCase[], filters: string[]): BenchCase[] {
  if (filters.length === 0) return cases;
  const chosen = new Set(cases.filter((c) => filters.some((f) => c.id.includes(f))).map((c) => c.id));
  for (const c of cases) {
    if (!chosen.has(c.id)) continue;
    if (c.refs.ceiling) chosen.add(c.refs.ceiling);
    if (c.refs.libnng) chosen.add(c.refs.libnng);
    if (c.refs.single) chosen.add(c.refs.single);
  }
  return cases.filter((c) => chosen.has(c.id));
}
