// The performance targets (from the project's performance issue), checked against a run's medians.
import { type CaseResult, stalledBoundMiB, summarize } from "./stats.js";

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
  out.push(
    ratioTarget(results, "tcp push 64 B to 100 connected pulls: ≥ 0.90× the msgs/s to one", "thr:tcp:push:64B:nngts-100pull", "thr:tcp:push:64B:nngts-nngts", (r) => r >= 0.9),
  );
  for (const id of ["mem:tcp:push:64B:stalled", "mem:tcp:push:64KiB:stalled"]) {
    const r = results.get(id);
    const s = r && !r.error ? summarize(r) : null;
    const size = r?.c.size ?? 0;
    const bound = stalledBoundMiB(size) + STALL_ALLOWANCE_MIB;
    const target = `sender facing a stalled receiver, tcp ${size >= 1024 ? `${size / 1024} KiB` : `${size} B`}: RSS growth ≤ queues + ${STALL_ALLOWANCE_MIB} MiB (${bound.toFixed(1)} MiB), none in the 2nd half`;
    if (!s?.mem) {
      out.push({ target: r ? target : `sender facing a stalled receiver (${id})`, measured: "–", status: "not measured" });
      continue;
    }
    const ok = s.main.median <= bound && s.mem.lateGrowth.median <= STALL_LATE_MIB;
    out.push({ target, measured: `+${s.main.median.toFixed(1)} MiB, peak ${s.mem.peak.median.toFixed(1)} MiB, +${s.mem.lateGrowth.median.toFixed(1)} MiB late`, status: ok ? "met" : "missed" });
  }
  return out;
}

/** Room for the runtime itself (heap growth from allocation churn, JIT code) above the queues' bound. */
const STALL_ALLOWANCE_MIB = 16;
/** "None in the 2nd half": sampling and allocator noise. */
const STALL_LATE_MIB = 2;
