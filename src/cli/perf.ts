// `nngts perf`: NNG's perf tools (perf/perf.c) over nngts — pair1 sockets, the same arguments,
// messages and output lines, so that either side of a measurement can be libnng.
import { Message } from "../core/message.js";
import type { Socket } from "../socket/socket.js";
import { Pair1 } from "../index.js";
import { Fatal, sleep, strerror, writeOut } from "./fatal.js";
import {
  measureLatency,
  PERF_BUFFER,
  type PerfMeasurement,
  receiveThroughput,
  sendThroughput,
  serveLatency,
  WrongSizeError,
} from "./perf-loops.js";

/** perf.c's die(): exit code 2. */
function die(msg: string): never {
  throw new Fatal(msg, 2);
}

/** perf.c's parse_int(): strtol, then 0..1e9 and nothing after the number. */
export function parsePerfInt(arg: string, what: string): number {
  if (!/^[ \t\n\v\f\r]*[+-]?[0-9]+$/.test(arg)) die(`Invalid ${what}`);
  const v = Number(arg.trim());
  if (v < 0 || v > 1_000_000_000) die(`Invalid ${what}`);
  return v;
}

/** printf("%.Nf") of a C float. */
function cfixed(v: number, digits: number): string {
  const f = Math.fround(v);
  if (Number.isNaN(f)) return "-nan";
  if (!Number.isFinite(f)) return f > 0 ? "inf" : "-inf";
  return f.toFixed(digits);
}

/** Runs a socket operation, dying as perf.c does ("nng_recvmsg: Timed out"). */
async function step<T>(what: string, op: () => Promise<T> | T): Promise<T> {
  try {
    return await op();
  } catch (e) {
    if (e instanceof WrongSizeError) die(e.message);
    die(`${what}: ${strerror(e)}`);
  }
}

async function openPair(): Promise<Socket> {
  return step("nng_socket", () => new Pair1());
}

async function throughputServer(url: string, size: number, count: number): Promise<string> {
  const s = await openPair();
  try {
    await step("nng_setopt(nng_opt_recvbuf)", () => s.setOption("recv-buffer", PERF_BUFFER));
    await step("nng_listen", () => s.listen(url));
    const m = await step("nng_recvmsg", () => receiveThroughput(s, size, count));
    // The completion message lets remote_thr stop; then a moment for it to leave.
    await s.send(new Message(0), { timeout: 200 }).catch(() => {});
    await sleep(200);
    return throughputLines(m, size);
  } finally {
    await s.close();
  }
}

function throughputLines(m: PerfMeasurement, size: number): string {
  const total = Math.fround(m.seconds);
  const msgpersec = Math.fround(m.count / total);
  const mbps = Math.fround((msgpersec * 8 * size) / (1024 * 1024));
  return (
    `total time: ${cfixed(total, 3)} [s]\n` +
    `message size: ${size} [B]\n` +
    `message count: ${m.count}\n` +
    `throughput: ${cfixed(msgpersec, 0)} [msg/s]\n` +
    `throughput: ${cfixed(mbps, 3)} [Mb/s]\n`
  );
}

async function throughputClient(url: string, size: number, count: number): Promise<void> {
  const s = await openPair();
  try {
    await step("nng_setopt(nng_opt_sendbuf)", () => s.setOption("send-buffer", PERF_BUFFER));
    await step("nng_setopt(nng_opt_recvtimeo)", () => s.setOption("recv-timeout", 5000));
    await step("nng_dial", () => s.dial(url));
    // As perf.c: one message more than asked for ("count++"), after the sync message.
    await step("nng_sendmsg", () => sendThroughput(s, size, count + 1));
    // Wait for local_thr's completion message (or the 5 s timeout).
    await s.recv().catch(() => {});
  } finally {
    await s.close();
  }
}

async function latencyServer(url: string, size: number, trips: number): Promise<void> {
  const s = await openPair();
  try {
    await step("nng_listen", () => s.listen(url));
    await step("nng_recvmsg", () => serveLatency(s, trips, size));
    await sleep(100); // "wait a bit for things to drain"
  } finally {
    await s.close();
  }
}

async function latencyClient(url: string, size: number, trips: number): Promise<string> {
  const s = await openPair();
  try {
    await step("nng_dial", () => s.dial(url));
    await sleep(100);
    const m = await step("nng_recvmsg", () => measureLatency(s, size, trips));
    const total = Math.fround(m.seconds);
    const latency = Math.fround((total * 1_000_000) / (trips * 2));
    return (
      `total time: ${cfixed(total, 3)} [s]\n` +
      `message size: ${size} [B]\n` +
      `round trip count: ${trips}\n` +
      `average latency: ${cfixed(latency, 3)} [us]\n`
    );
  } finally {
    await s.close();
  }
}

const USAGE = {
  local_lat: "Usage: local_lat <listen-addr> <msg-size> <roundtrips>",
  remote_lat: "Usage: remote_lat <connect-to> <msg-size> <roundtrips>",
  local_thr: "Usage: local_thr <listen-addr> <msg-size> <count>",
  remote_thr: "Usage: remote_thr <connect-to> <msg-size> <count>",
  inproc_lat: "Usage: inproc_lat <msg-size> <count>",
  inproc_thr: "Usage: inproc_thr <msg-size> <count>",
} as const;

type Mode = keyof typeof USAGE;

// perf.c also answers to the older program names.
const ALIASES: Record<string, Mode> = {
  latency_client: "remote_lat",
  latency_server: "local_lat",
  throughput_server: "local_thr",
  throughput_client: "remote_thr",
};

export const PERF_HELP = `Usage: nngts perf <mode> <args>
  local_thr  <listen-addr> <msg-size> <count>
  remote_thr <connect-to> <msg-size> <count>
  local_lat  <listen-addr> <msg-size> <roundtrips>
  remote_lat <connect-to> <msg-size> <roundtrips>
  inproc_thr <msg-size> <count>       [--url <inproc-url>]
  inproc_lat <msg-size> <roundtrips>  [--url <inproc-url>]
`;

/** inproc modes accept perf.c's "--url <url>" (the pair protocol options are pair1 here, its default). */
function inprocArgs(args: string[], defaultUrl: string, usage: string): { url: string; rest: string[] } {
  let url = defaultUrl;
  const rest = [...args];
  while (rest.length > 0 && rest[0]!.startsWith("--")) {
    const o = rest.shift()!;
    if (o === "--url" && rest.length > 0) url = rest.shift()!;
    else if (o !== "--pair1") die("bad option");
  }
  if (rest.length !== 2) die(usage);
  return { url, rest };
}

/** Runs one perf mode; resolves with what it prints on stdout. Throws Fatal (exit 2) as perf.c dies. */
export async function runPerf(argv: readonly string[]): Promise<void> {
  const name = argv[0] ?? "";
  const mode: Mode | undefined = name in USAGE ? (name as Mode) : ALIASES[name];
  if (!mode) throw new Fatal(`${name ? `Unknown program mode ${name}.` : "No program mode."}\n${PERF_HELP}`, 2);
  const args = argv.slice(1);
  let out = "";
  if (mode === "inproc_thr" || mode === "inproc_lat") {
    const thr = mode === "inproc_thr";
    const { url, rest } = inprocArgs(args, thr ? "inproc://throughput-test" : "inproc://latency_test", USAGE[mode]);
    const size = parsePerfInt(rest[0]!, "message size");
    const count = parsePerfInt(rest[1]!, "count");
    if (thr) {
      const server = throughputServer(url, size, count);
      server.catch(() => {}); // awaited below; this only keeps an early failure from counting as unhandled
      await sleep(100);
      await throughputClient(url, size, count);
      out = await server;
    } else {
      const server = latencyServer(url, size, count);
      server.catch(() => {});
      await sleep(100);
      out = await latencyClient(url, size, count);
      await server;
    }
  } else {
    if (args.length !== 3) die(USAGE[mode]);
    const [url, sizeArg, countArg] = args as [string, string, string];
    const size = parsePerfInt(sizeArg, "message size");
    const count = parsePerfInt(countArg, mode.endsWith("_lat") ? "round-trips" : "count");
    if (mode === "local_thr") out = await throughputServer(url, size, count);
    else if (mode === "remote_thr") await throughputClient(url, size, count);
    else if (mode === "local_lat") await latencyServer(url, size, count);
    else out = await latencyClient(url, size, count);
  }
  await writeOut(out);
}
