// `npm run bench`: throughput and latency of nngts, libnng and a node:net ceiling on this machine.
// See the "How to run" section of docs/benchmarks.md (written by report.ts).
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { allCases, type BenchCase, selectCases } from "./cases.js";
import { haveLibnng } from "./libnng.js";
import { peerPath } from "../test/helpers/libnng.js";
import { machineInfo } from "./machine.js";
import { killAll } from "./proc.js";
import { loadReqRep } from "./reqrep.js";
import { loadZeromq } from "./zeromq.js";
import { benchmarksDoc, buildTables, targetsText, textTable } from "./report.js";
import { runOnce } from "./runner.js";
import { type CaseResult, summarize } from "./stats.js";
import { checkTargets } from "./targets.js";

const DEFAULT_REPS = 5;
const docPath = fileURLToPath(new URL("../../docs/benchmarks.md", import.meta.url));

interface Args {
  quick: boolean;
  filters: string[];
  reps: number;
  write: boolean | undefined;
  list: boolean;
}

function usage(why?: string): never {
  if (why) console.error(why);
  console.error("usage: npm run bench -- [--quick] [--filter TEXT]... [--reps N] [--write|--no-write] [--list]");
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, filters: [], reps: 0, write: undefined, list: false };
  for (let i = 0; i < argv.length; i++) {
    const o = argv[i]!;
    const value = (): string => argv[++i] ?? usage(`${o} needs a value`);
    if (o === "--quick") a.quick = true;
    else if (o === "--filter") a.filters.push(value());
    else if (o === "--reps") {
      a.reps = Number(value());
      if (!Number.isInteger(a.reps) || a.reps < 1) usage("--reps needs a positive integer");
    } else if (o === "--write") a.write = true;
    else if (o === "--no-write") a.write = false;
    else if (o === "--list") a.list = true;
    else if (o === "--help" || o === "-h") usage();
    else usage(`unknown option ${o}`);
  }
  if (a.reps === 0) a.reps = a.quick ? 1 : DEFAULT_REPS;
  return a;
}

function progress(c: BenchCase, r: CaseResult): string {
  const s = summarize(r);
  const v = !s
    ? `FAILED ${r.error?.split("\n")[0] ?? ""}`
    : c.kind === "thr" || c.kind === "fanout"
      ? `${Math.round(s.main.median).toLocaleString("en")} msgs/s${s.dropPct ? `, ${s.dropPct.median.toFixed(1)} % dropped` : ""}`
      : c.kind === "rr"
        ? `${Math.round(s.main.median).toLocaleString("en")} req/s, ${s.rtt!.median.toFixed(1)} µs round trip`
        : c.kind === "mem"
          ? `RSS +${s.main.median.toFixed(1)} MiB (peak ${s.mem!.peak.median.toFixed(1)} MiB, +${s.mem!.lateGrowth.median.toFixed(1)} in the 2nd half)`
        : `${s.main.median.toFixed(1)} µs`;
  return `${c.id.padEnd(44)} ${v}  (${r.wall.toFixed(1)} s)`;
}

/**
 * One more run of `c` into `r`; a case that failed once is reported as failed and not run again.
 */
async function runAgain(c: BenchCase, r: CaseResult): Promise<void> {
  if (r.error !== undefined) return;
  const t0 = performance.now();
  try {
    r.runs.push(await runOnce(c));
  } catch (e) {
    r.error = e instanceof Error ? e.message : String(e);
    r.runs = [];
  }
  r.wall += (performance.now() - t0) / 1000;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const reqrep = (await loadReqRep()) !== null;
  const zeromq = (await loadZeromq()) !== null;
  const cases = selectCases(allCases({ quick: args.quick, libnng: haveLibnng, reqrep, zeromq }), args.filters);
  if (args.list) {
    for (const c of cases) console.log(c.id);
    return;
  }
  if (cases.length === 0) usage(`no case matches ${args.filters.join(", ")}`);

  const notes: string[] = [];
  if (!haveLibnng) notes.push("libnng (nngcat, gcc, /usr/include/nng) not found: no libnng rows.");
  else await peerPath(); // compile the C peer before anything is timed
  if (!zeromq) notes.push("zeromq.js not installed (optional: npm install --no-save zeromq): no zeromq.js rows.");
  if (!reqrep) notes.push("src/protocol/req0.ts / rep0.ts not available: no req/rep latency rows.");
  for (const n of notes) console.log(`note: ${n}`);
  console.log(`${cases.length} cases × ${args.reps} repetition(s)${args.quick ? ", quick counts" : ""}`);

  const t0 = performance.now();
  const results = new Map<string, CaseResult>(cases.map((c) => [c.id, { c, runs: [], wall: 0 }]));
  // Repetitions are interleaved (every case once, then every case again...), so that a machine that gets
  // busier or quieter during the session weighs on every row alike, not on the rows that ran meanwhile:
  // the ratios between rows are the point of the benchmark.
  for (let rep = 1; rep <= args.reps; rep++) {
    for (const [i, c] of cases.entries()) {
      const r = results.get(c.id)!;
      if (r.error !== undefined) continue;
      await runAgain(c, r);
      const at = args.reps > 1 ? `${rep}/${args.reps} ` : "";
      console.log(`[${at}${String(i + 1).padStart(2)}/${cases.length}] ${progress(c, r)}`);
    }
  }
  const wallSeconds = (performance.now() - t0) / 1000;

  const tables = buildTables(results, args.reps);
  const targets = checkTargets(results);
  console.log("");
  for (const t of tables) console.log(`${textTable(t)}\n`);
  console.log(`Targets\n${targetsText(targets)}\n`);
  console.log(`total ${wallSeconds.toFixed(0)} s`);

  const write = args.write ?? (!args.quick && args.filters.length === 0);
  if (!write) {
    console.log("docs/benchmarks.md not rewritten (quick or filtered run; --write forces it)");
    return;
  }
  const argText = process.argv.slice(2).join(" ");
  writeFileSync(
    docPath,
    benchmarksDoc({
      machine: machineInfo(),
      command: `npm run bench${argText ? ` -- ${argText}` : ""}`,
      reps: args.reps,
      quick: args.quick,
      date: new Date().toISOString().slice(0, 10),
      wallSeconds,
      tables,
      targets,
      notes,
    }),
  );
  console.log(`wrote ${docPath}`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    killAll();
    process.exit(1);
  },
);
