// `node dist/bench/profile.js [--case ID] [--count N] [--top N] [--dir DIR]`: runs one benchmark case with
// `node --cpu-prof` on each nngts worker and prints the functions with the most self time, per process.
// Default: the nngts tcp push/pull 64 B case.
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { allCases } from "./cases.js";
import { selfTimes } from "./cpuprofile.js";
import { haveLibnng } from "./libnng.js";
import { killAll } from "./proc.js";
import { runOnce } from "./runner.js";
import { msgsPerSec, oneWayMicros } from "./stats.js";

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const id = option("--case") ?? "thr:tcp:push:64B:nngts-nngts";
  const top = Number(option("--top") ?? 25);
  const dir = option("--dir") ?? mkdtempSync(join(tmpdir(), "nngts-prof-"));
  const base = allCases({ quick: false, libnng: haveLibnng, reqrep: true }).find((c) => c.id === id);
  if (!base) throw new Error(`no case ${id} (see npm run bench -- --list)`);
  // More messages than the benchmark: the profile should be dominated by the steady state.
  const c = { ...base, count: Number(option("--count") ?? base.count * 5) };

  const m = await runOnce(c, {
    nodeArgs: (name) => ["--cpu-prof", "--cpu-prof-dir", dir, "--cpu-prof-name", `${name.replace(/\W+/g, "-")}.cpuprofile`],
  });
  const what =
    c.kind === "thr" || c.kind === "fanout"
      ? `${c.count} messages: ${Math.round(msgsPerSec(m)).toLocaleString("en")} msgs/s`
      : c.kind === "lat"
        ? `${c.count} round trips: ${oneWayMicros(m).toFixed(1)} µs`
        : c.kind === "rr"
          ? `${c.count} requests: ${Math.round(msgsPerSec(m)).toLocaleString("en")} req/s`
          : `${c.count} ms facing a stalled receiver: ${m.count} messages accepted`;
  console.log(`${c.id}, ${what} (slower than the benchmark: the profiler takes its share)`);
  console.log(`profiles in ${dir}\n`);
  for (const f of readdirSync(dir).filter((x) => x.endsWith(".cpuprofile")).sort()) {
    const { total, rows } = selfTimes(join(dir, f));
    const ours = rows.filter((r) => r.ours).reduce((a, r) => a + r.ms, 0);
    console.log(`== ${f}: ${total.toFixed(0)} ms sampled, ${((100 * ours) / total).toFixed(1)}% self time in src/`);
    for (const r of rows.slice(0, top)) {
      console.log(`${(100 * r.share).toFixed(1).padStart(5)}%  ${r.ms.toFixed(0).padStart(6)} ms  ${r.ours ? "*" : " "} ${r.where}`);
    }
    console.log("");
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    killAll();
    process.exit(1);
  },
);
