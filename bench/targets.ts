// The performance targets (from the project's performance issue), checked against a run's medians.
import { type CaseResult, summarize } from "./stats.js";

export interface TargetCheck {
  target: string;
  measured: string;
  status: "met" | "missed" | "not measured";
}

function median(results: Map<string, CaseResult>, id: string): number | undefined {
  const r = results.get(id);
  return r && !r.error ? summarize(r)?.main.median : undefined;
}

function ratioTarget(results: Map<string, CaseResult>, target: string, id: string, refId: string, check: (ratio: number) => boolean): TargetCheck {
  const v = median(results, id);
  const ref = median(results, refId);
  if (v === undefined || ref === undefined) return { target, measured: "–", status: "not measured" };
  const ratio = v / ref;
  return { target, measured: `${ratio.toFixed(2)}×`, status: check(ratio) ? "met" : "missed" };
}

export function checkTargets(results: Map<string, CaseResult>): TargetCheck[] {
  const out: TargetCheck[] = [
    ratioTarget(results, "tcp push/pull 64 B: ≥ 0.50× the ceiling's msgs/s", "thr:tcp:push:64B:nngts-nngts", "thr:tcp:ceiling:64B", (r) => r >= 0.5),
    ratioTarget(results, "tcp push/pull 1 KiB: ≥ 0.60× the ceiling's msgs/s", "thr:tcp:push:1KiB:nngts-nngts", "thr:tcp:ceiling:1KiB", (r) => r >= 0.6),
    ratioTarget(results, "tcp push/pull 64 KiB: ≥ 0.85× the ceiling's MB/s", "thr:tcp:push:64KiB:nngts-nngts", "thr:tcp:ceiling:64KiB", (r) => r >= 0.85),
    ratioTarget(results, "tcp req/rep 64 B latency: ≤ 1.15× the ceiling's", "lat:tcp:reqrep:64B:nngts", "lat:tcp:ceiling:64B", (r) => r <= 1.15),
  ];
  const inproc = median(results, "thr:inproc:push:64B:nngts-nngts");
  const target = "inproc push/pull 64 B: ≥ 5 M msgs/s";
  out.push(
    inproc === undefined
      ? { target, measured: "–", status: "not measured" }
      : { target, measured: `${(inproc / 1e6).toFixed(2)} M msgs/s`, status: inproc >= 5e6 ? "met" : "missed" },
  );
  return out;
}
