// `node dist/bench/cpu-latency.js [--count N] [--reps N]`: tcp 64 B round trips with both ends in ONE
// process, the node:net ceiling against nngts req/rep and pair1. No cross-process wake-ups take part, so
// the figure is the CPU cost of a hop (read, decode, protocol, aio, encode, write), far steadier on a
// shared machine than the two-process latency cases, whose gap to the ceiling is mostly scheduling.
import { ceilingMeasureLatency, ceilingServeLatency } from "./ceiling.js";
import { measureLatency, openSocket, serveLatency } from "./nngts.js";
import type { Measurement, Proto } from "./spec.js";
import { oneWayMicros } from "./stats.js";

const SIZE = 64;

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function ceiling(count: number): Promise<Measurement> {
  let bound!: (url: string) => void;
  const ready = new Promise<string>((r) => (bound = r));
  const served = ceilingServeLatency(false, "tcp://127.0.0.1:0", count, bound);
  const m = await ceilingMeasureLatency(false, await ready, SIZE, count);
  await served;
  return m;
}

async function nngts(proto: Proto, count: number): Promise<Measurement> {
  const server = await openSocket(proto, "listener");
  const client = await openSocket(proto, "dialer");
  try {
    const l = await server.listen("tcp://127.0.0.1:0");
    await client.dial(String(l.getOption("url")));
    const served = serveLatency(server, count);
    const m = await measureLatency(client, SIZE, count);
    await served;
    return m;
  } finally {
    await client.close();
    await server.close();
  }
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

async function main(): Promise<void> {
  const count = option("--count", 20_000);
  const reps = option("--reps", 5);
  const runs: [string, (n: number) => Promise<Measurement>][] = [
    ["ceiling (node:net)", ceiling],
    ["nngts req/rep", (n) => nngts("reqrep", n)],
    ["nngts pair1", (n) => nngts("pair1", n)],
  ];
  const results = runs.map((): number[] => []);
  // Interleaved, so that a change in the machine's load touches every case alike.
  for (let r = 0; r < reps; r++) for (const [i, [, run]] of runs.entries()) results[i]!.push(oneWayMicros(await run(count)));
  const base = median(results[0]!);
  console.log(`tcp ${SIZE} B, both ends in one process, ${count} round trips x ${reps}: CPU µs per hop (median)`);
  for (const [i, [label]] of runs.entries()) {
    const m = median(results[i]!);
    console.log(`${label.padEnd(20)} ${m.toFixed(2).padStart(6)} µs  ${(m / base).toFixed(2)}x`);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
