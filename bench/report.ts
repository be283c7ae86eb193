// Turns results into tables: plain text for the terminal, Markdown for docs/benchmarks.md.
import { type BenchCase, protoLabel, sizeLabel } from "./cases.js";
import type { MachineInfo } from "./machine.js";
import { type CaseResult, type Spread, stalledBoundMiB, summarize } from "./stats.js";
import type { TargetCheck } from "./targets.js";

export interface Table {
  title: string;
  headers: string[];
  /** a row of cells, or a group heading (a string) */
  rows: Array<string[] | string>;
}

function rate(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)} k`;
  return x.toFixed(0);
}

function withRange(s: Spread, f: (x: number) => string, reps: number): string {
  return reps > 1 ? `${f(s.median)} (${f(s.min)}–${f(s.max)})` : f(s.median);
}

function count(n: number): string {
  return n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n);
}

function sideApi(c: BenchCase): string {
  const api = (impl: string, a: string): string => (impl === "nngts" ? a : impl === "libnng" ? "C" : impl === "cli" ? "perf cli" : impl === "zeromq" ? "zmq" : "net");
  const d = api(c.dialer.impl, c.dialer.api);
  const l = api(c.listener.impl, c.listener.api);
  return d === l ? d : `${d} → ${l}`;
}

function ratio(results: Map<string, CaseResult>, r: CaseResult, refId: string | undefined): string {
  if (!refId || refId === r.c.id) return "";
  const ref = results.get(refId);
  const a = summarize(r);
  const b = ref && !ref.error ? summarize(ref) : null;
  return a && b ? `${(a.main.median / b.main.median).toFixed(2)}×` : "–";
}

function groupTitle(c: BenchCase): string {
  return `${c.transport} ${protoLabel(c.proto)} ${sizeLabel(c.size)}${c.peers ? `, ${c.peers} pull peers` : ""}`;
}

function cells(results: Map<string, CaseResult>, r: CaseResult, reps: number): string[] {
  const c = r.c;
  const s = summarize(r);
  const failed = r.error ? `failed: ${r.error.split("\n")[0]!.slice(0, 80)}` : "–";
  if (c.kind === "fanout") {
    const head = [c.label, sideApi(c), count(c.count)];
    if (!s) return [...head, failed, "", ""];
    return [...head, withRange(s.main, rate, reps), withRange(s.dropPct!, (x) => `${x.toFixed(1)} %`, reps), withRange(s.published!, rate, reps)];
  }
  const head = c.kind === "thr" ? [c.label, sideApi(c), count(c.count)] : [c.label, sideApi(c)];
  const refs = [ratio(results, r, c.refs.ceiling), ratio(results, r, c.refs.libnng)];
  if (c.kind === "thr") {
    if (!s) return [...head, failed, "", "", ""];
    return [...head, withRange(s.main, rate, reps), withRange(s.mbps!, (x) => x.toFixed(1), reps), ...refs];
  }
  if (c.kind === "rr") {
    const rr = [...head, String(c.contexts ?? 1), count(c.count)];
    if (!s) return [...rr, failed, "", ""];
    return [...rr, withRange(s.main, rate, reps), withRange(s.rtt!, (x) => x.toFixed(1), reps), refs[1]!];
  }
  if (!s) return [...head, failed, "", ""];
  return [...head, withRange(s.main, (x) => x.toFixed(1), reps), ...refs];
}

/** Throughput and latency tables; every group shows its references (ceiling, libnng) first. */
export function buildTables(results: Map<string, CaseResult>, reps: number): Table[] {
  const thr: Table = {
    title: "Throughput (receiver-side, NNG local_thr/remote_thr method)",
    headers: ["sender → receiver", "API", "msgs", "msgs/s median (min–max)", "MB/s median (min–max)", "× ceiling", "× libnng"],
    rows: [],
  };
  const lat: Table = {
    title: "Latency (one-way µs = total / (2 × round trips), NNG local_lat/remote_lat method)",
    headers: ["implementation", "API", "µs median (min–max)", "× ceiling", "× libnng"],
    rows: [],
  };
  const fanout: Table = {
    title: "Pub/sub fan-out (1 publisher, N subscribers; publisher sends bursts of 16 per event-loop turn)",
    headers: ["subscribers", "API", "msgs published", "delivered msgs/s (all subscribers) median (min–max)", "dropped median (min–max)", "published msgs/s median (min–max)"],
    rows: [],
  };
  const rr: Table = {
    title: "Request/reply with contexts (N req contexts each keeping one request in flight, N rep contexts answering)",
    headers: ["implementation", "API", "contexts", "requests", "requests/s median (min–max)", "round trip µs median (min–max)", "× libnng"],
    rows: [],
  };
  const mem: Table = {
    title: "Memory of a sender facing a stalled receiver (tcp, push → pull that stopped reading)",
    headers: ["sender → receiver", "ran (ms)", "msgs accepted", "peak RSS MiB", "RSS growth MiB", "growth in 2nd half MiB", "queue bound MiB"],
    rows: [],
  };
  const mib = (x: number): string => x.toFixed(1);
  const groups = new Map<string, CaseResult[]>();
  for (const r of results.values()) {
    const c = r.c;
    if (c.listener.impl === "ceiling") continue;
    if (c.kind === "mem") {
      const s = summarize(r);
      mem.rows.push(`${c.transport} ${sizeLabel(c.size)}`);
      if (!s?.mem) mem.rows.push([c.label, String(c.count), `failed: ${(r.error ?? "").split("\n")[0]!.slice(0, 80)}`, "", "", "", ""]);
      else {
        mem.rows.push([
          c.label,
          String(c.count),
          withRange(s.mem.accepted, (x) => x.toFixed(0), reps),
          withRange(s.mem.peak, mib, reps),
          withRange(s.main, mib, reps),
          withRange(s.mem.lateGrowth, mib, reps),
          mib(stalledBoundMiB(c.size)),
        ]);
      }
      continue;
    }
    const key = `${c.kind}|${groupTitle(c)}`;
    let g = groups.get(key);
    if (!g) {
      g = [];
      groups.set(key, g);
      const ceiling = c.refs.ceiling ? results.get(c.refs.ceiling) : undefined;
      if (ceiling) g.push(ceiling);
    }
    g.push(r);
  }
  for (const [key, g] of groups) {
    const table = key.startsWith("thr|") ? thr : key.startsWith("fanout|") ? fanout : key.startsWith("rr|") ? rr : lat;
    table.rows.push(key.slice(key.indexOf("|") + 1));
    for (const r of g) table.rows.push(cells(results, r, reps));
  }
  return [thr, lat, rr, fanout, mem].filter((t) => t.rows.length > 0);
}

export function textTable(t: Table): string {
  const all = [t.headers, ...t.rows.filter((r): r is string[] => typeof r !== "string")];
  const widths = t.headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]): string => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const out = [t.title, line(t.headers)];
  for (const r of t.rows) out.push(typeof r === "string" ? `-- ${r}` : line(r));
  return out.join("\n");
}

export function markdownTable(t: Table): string {
  const out = [`| case | ${t.headers.join(" | ")} |`, `|${" --- |".repeat(t.headers.length + 1)}`];
  let group = "";
  for (const r of t.rows) {
    if (typeof r === "string") {
      group = r;
      continue;
    }
    out.push(`| ${group} | ${r.join(" | ")} |`);
    group = "";
  }
  return out.join("\n");
}

export function targetsText(checks: TargetCheck[]): string {
  return checks.map((c) => `${c.status.padEnd(12)} ${c.target}: ${c.measured}`).join("\n");
}

export interface DocInput {
  machine: MachineInfo;
  command: string;
  reps: number;
  quick: boolean;
  date: string;
  wallSeconds: number;
  tables: Table[];
  targets: TargetCheck[];
  notes: string[];
}

/** The whole of docs/benchmarks.md. */
export function benchmarksDoc(d: DocInput): string {
  const m = d.machine;
  const parts = [
    "# Benchmarks",
    "",
    "Written by `npm run bench` (`bench/run.ts`); rerun it rather than editing the numbers by hand.",
    "",
    "## The run",
    "",
    `- Command: \`${d.command}\` (${d.reps} repetition${d.reps === 1 ? "" : "s"} per case${d.quick ? ", quick counts" : ""}; took ${Math.round(d.wallSeconds)} s)`,
    `- Date: ${d.date}`,
    `- CPU: ${m.cpu}, ${m.cores} cores`,
    `- Node: ${m.node}; libnng: ${m.libnng}; OS: ${m.os}`,
    "",
    "## Targets",
    "",
    "| target | measured (median) | status |",
    "| --- | --- | --- |",
    ...d.targets.map((t) => `| ${t.target} | ${t.measured} | ${t.status} |`),
    "",
  ];
  for (const t of d.tables) parts.push(`## ${t.title}`, "", markdownTable(t), "");
  if (d.notes.length > 0) parts.push("## Notes on this run", "", ...d.notes.map((n) => `- ${n}`), "");
  parts.push(HOW_TO);
  return parts.join("\n");
}

const HOW_TO = `## How to run (bench/README)

\`\`\`sh
npm run bench                            # everything, 5 repetitions per case (~20 min on 2 cores); rewrites this file
npm run bench -- --quick                 # 1 repetition, 10x fewer messages (~75 s); prints only
npm run bench -- --filter tcp:push:64B   # only cases whose id contains the text (repeatable), plus their references
npm run bench -- --filter rr:            # req/rep with 1, 10 and 1000 contexts (requests/s, round trip)
npm run bench -- --list                  # the case ids
npm run bench -- --reps 3 --write        # other repetition count; --write / --no-write force (or skip) rewriting this file
node dist/bench/profile.js               # CPU profile of the nngts tcp push/pull 64 B case (sender and receiver)
\`\`\`

Only a full, unfiltered run rewrites this file unless \`--write\` is given. The libnng rows need
libnng (\`apt-get install -y nng-utils libnng-dev\`) and gcc; without them they are left out.

### Method

- **Throughput** follows NNG's \`local_thr\`/\`remote_thr\`: the receiver listens, the sender dials, sends
  one empty sync message and then COUNT messages of SIZE bytes; the receiver starts its clock when the
  sync message arrives and stops it at the COUNT-th message. msgs/s = COUNT / time, MB/s = msgs/s ×
  SIZE / 10⁶ (payload bytes). COUNT (column "msgs") is 5 000 000 × 64 B, 1 000 000 × 1 KiB and 50 000 ×
  64 KiB between Node processes, so that JIT warm-up (inside the timed window, as with NNG's tools) does
  not dominate; runs with a libnng side send 100 000 × 64 B, 50 000 × 1 KiB, 10 000 × 64 KiB (libnng
  needs no warm-up and is slower here), and 4x fewer 64 B and 1 KiB messages to a libnng pull, which
  takes only ~30 k msgs/s on this machine. --quick divides every count by 10. As in NNG's tools the
  receiver sets \`recv-buffer\` 128 and the sender \`send-buffer\` 128.
- **Latency** follows NNG's \`local_lat\`/\`remote_lat\`: the client dials, waits 100 ms, sends one
  64-byte message and sends each reply back as the next request, 10 000 timed round trips (--quick:
  1 000); one-way latency = total time / (2 × round trips). Unlike NNG's tools, every latency row
  (ceiling, nngts, libnng and the mixed rows; not the \`nngts perf\` rows, which keep the tools' method)
  first makes 10 000 untimed round trips on the same connection (--quick: 1 000), so that the rows
  compare steady states: without them the timed window of a Node process is mostly JIT warm-up (with
  both tcp processes pinned to one CPU, cold nngts req/rep averaged ~19 µs one way against ~7 µs warm;
  the ceiling's few lines ~11 µs against ~8), and C needs none.
- **Request/reply with contexts** ("rr" cases): a req socket opens N contexts (1, 10, 1000), each
  sending a 64-byte request and sending every reply back as its next request; the rep socket answers
  with N contexts (one \`Aio\` each, recv → send → recv). The client times COUNT exchanges in all
  (20 000 with 1 context, 100 000 with 10, 200 000 with 1000; --quick: 10x fewer): requests/s =
  COUNT / time, mean round trip = time × N / COUNT.
  The libnng rows run \`test/interop/peer.c\` in its \`--rr-server\`/\`--rr-client\` modes, the same
  scheme with \`nng_ctx\` and one \`nng_aio\` callback per context.
- **Processes**: over ipc and tcp each side runs in its own process (\`node dist/bench/worker.js\`, or the
  C peer), so the two sides use both cores as NNG's perf tools do; inproc runs both sockets in one
  worker process. Every repetition starts fresh processes (so JIT warm-up is inside the throughput
  measurements, as it is for NNG's tools). Repetitions are interleaved: every selected case runs once,
  then every case again, so that a machine getting busier or quieter during the session weighs on all
  rows alike rather than on the rows that happened to run meanwhile. The table shows the median and the
  min–max over the repetitions.
- **nngts, aio rows**: the fastest public path. The sender reuses one \`Aio\` whose callback sends the
  next message, each message a \`Message.wrap\` of one payload (no copy); the receiver reuses one \`Aio\`
  with \`recvAio\`.
- **nngts, promise API rows**: what most code writes: \`for (...) await sock.send(bytes)\` (which copies the
  bytes into a new \`Message\`) and \`for (...) await sock.recv()\`.
- **libnng rows**: \`test/interop/peer.c\` (built with gcc -O2 against the installed libnng) in its
  \`--local-thr\`/\`--remote-thr\`/\`--local-lat\`/\`--remote-lat\` modes, which follow NNG's perf/perf.c.
  There is no libnng inproc row: the peer is a separate process. Mixed rows (nngts → libnng, libnng →
  nngts, and for latency nngts client → libnng server and the reverse) pair one of each.
- **zeromq.js rows** (only when \`zeromq\` v6 is installed, e.g. \`npm install --no-save zeromq\`; it is
  not a dependency): tcp push/pull with the same sync-then-COUNT method (500 000 × 64 B, 250 000 × 1 KiB,
  20 000 × 64 KiB; --quick: 10x fewer), one \`await sock.send()\` per message (zeromq.js allows one send
  in flight) and \`await sock.receive()\`, default high-water marks; req/rep latency as the other rows,
  warm-up included.
- **ceiling**: \`node:net\` with NNG's exact framing (8-byte SP header exchange, u64 big-endian length
  prefix, plus the type byte on ipc) and no protocol logic: the sender copies small frames into a
  64 KiB slab and writes one corked burst per 64 KiB (large payloads go out as their own buffers), waiting
  for \`drain\` when the socket asks; the receiver cuts frames out of each chunk as views. It is the best
  a Node implementation of the wire format can hope for on this machine, and the reference of the targets.
  The ceiling has no protocol, so the same ceiling rows appear under push/pull and pair1.
- **Pub/sub fan-out** (nngts only): one pub0 and N sub0 sockets subscribed to everything (over ipc and
  tcp the publisher and the N subscribers are two processes; inproc is one process). The publisher sends
  COUNT 64-byte numbered messages with \`sendAio\`, 16 per turn of the event loop (pub's default
  \`send-buffer\`), never waiting; each subscriber receives with a reused \`Aio\`. pub and sub drop their
  oldest message when a queue is full, so the last message always arrives: the clock runs from the first
  delivery to the moment every subscriber has the last message. "delivered msgs/s" counts deliveries
  summed over subscribers; "dropped" is the share of the COUNT × N offered deliveries that were lost.
  COUNT is 200 000 for 1 subscriber, 40 000 for 10, 4 000 for 100 (--quick: 10x fewer).
- **100 pull peers** (\`thr:tcp:push:64B:nngts-100pull\`): one receiving process holds 100 pull sockets,
  each listening on its own port (\`recv-buffer\` 128); the push dials all 100, sends one sync message to
  each (round robin) and then COUNT messages spread over them; the clock runs from the first sync to the
  COUNT-th message received in all. Its target compares it with the one-pull row (same code, one peer).
  What it measures on this machine (November 2026): the receiving process is the bound in both rows.
  This row once ran ~10% below the one-pull row (0.82× in a full run) for a reason outside nngts's
  per-connection code: V8 starts incremental marking only once the old generation passes 8 MiB.
  Importing nngts then took 2.5 MiB of heap (it loaded \`node:tls\`, \`node:http\` and \`ws\` up
  front); the one-pull receiver started its timed window with 6.6 MiB of old generation, the 100-pull
  one (100 sockets, listeners and pipes, ~15 KiB each) with 8.05 MiB, so only the latter marked its heap,
  every 100–250 ms (with \`--no-incremental-marking\` it moved 0.96× one pull). Those modules now load
  on first use, importing nngts takes 1.35 MiB, both receivers stay under the threshold (4.9 and 6.1 MiB
  at the start of the window), and the row is within the noise of one pull. An application whose heap
  is past 8 MiB anyway pays the marking with one pull and with 100 alike. The rest is the kernel: the
  receiver being the bound, 100 connections hold up to ~70 MB in socket buffers against ~4 MB for one,
  and the 100-pull runs vary more on this VM (7.5–9.5 M msgs/s within one session). A JavaScript-only
  run (100 pull sockets fed through in-memory streams, no kernel) costs the same per message as one
  socket, and plain \`node:net\` over 100 connections loses nothing.
- **Stalled receiver** (\`mem:tcp:push:*:stalled\`): a pull (\`recv-buffer\` 128) takes 128 messages and
  never reads again; the push (\`send-buffer\` 128) keeps offering fresh SIZE-byte messages (each with its
  own bytes, so anything queued shows) for 4 s (--quick: 0.4 s), retrying every 50 ms once flow control
  stops it. The sender samples its RSS every 10 ms: growth = peak − RSS before sending; "2nd half" =
  growth after the first half of the run (0 once the queues are full). The queue bound is what the sender
  may hold: 130 messages (send-buffer, the one on the aio, one large write) plus one 64 KiB batch of small
  frames; the kernel's socket buffers are not in RSS. The target allows 16 MiB above it for the runtime.
- **Ratios**: "× ceiling" and "× libnng" divide this row's median by the reference's median (for
  throughput higher is better; for latency lower is better). The libnng reference is libnng → libnng.
`;
