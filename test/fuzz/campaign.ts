// The long fuzz campaign: `npm run fuzz [-- --runs N] [--seed S] [--only substring]`.
// Runs every target for N inputs (default 1 000 000) and prints a report; exits 1 on any failure.
import fc from "fast-check";
import { runTarget, TARGETS } from "./targets.js";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const runs = Number(arg("runs") ?? process.env.NNGTS_FUZZ_RUNS ?? 1_000_000);
const seed = arg("seed") !== undefined ? Number(arg("seed")) : Date.now() & 0x7fffffff;
const only = arg("only");

let uncaught = 0;
process.on("uncaughtException", (e) => {
  uncaught++;
  console.error("uncaught exception:", e);
});

const rows: string[] = [];
let failed = 0;
const started = Date.now();
const rss0 = process.memoryUsage().rss;
console.log(`fuzz campaign: ${runs} inputs per target, seed ${seed}${only ? `, only "${only}"` : ""}`);
for (const t of TARGETS.filter((x) => !only || x.name.includes(only))) {
  const t0 = Date.now();
  const d = await runTarget(t, runs, seed);
  const secs = (Date.now() - t0) / 1000;
  const verdict = d.failed ? "FAIL" : "ok";
  if (d.failed) failed++;
  const row = `| ${t.name} | ${d.numRuns} | ${secs.toFixed(1)} s | ${Math.round(d.numRuns / Math.max(secs, 0.001))}/s | ${verdict} |`;
  rows.push(row);
  console.log(row);
  if (d.failed) console.log(fc.defaultReportMessage(d), String(d.errorInstance));
}
console.log("\n| target | inputs | time | rate | result |\n|---|---|---|---|---|");
for (const r of rows) console.log(r);
const rss1 = process.memoryUsage().rss;
console.log(
  `\ntargets failed: ${failed}, uncaught exceptions: ${uncaught}, total ${((Date.now() - started) / 60000).toFixed(1)} min, RSS ${(rss0 / 2 ** 20).toFixed(0)} -> ${(rss1 / 2 ** 20).toFixed(0)} MiB, seed ${seed}`,
);
process.exit(failed || uncaught ? 1 : 0);
