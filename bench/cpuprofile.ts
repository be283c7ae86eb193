// Reads a V8 .cpuprofile (node --cpu-prof) and ranks functions by self time.
import { existsSync, readFileSync } from "node:fs";
import { SourceMap, type SourceMapping } from "node:module";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  /** "name file:line" */
  where: string;
  /** milliseconds */
  ms: number;
  /** share of all sampled time */
  share: number;
  /** in the project's src/ */
  ours: boolean;
}

const root = fileURLToPath(new URL("../../", import.meta.url));

const maps = new Map<string, SourceMap | null>();

function sourceMap(file: string): SourceMap | null {
  let m = maps.get(file);
  if (m === undefined) {
    const path = `${file}.map`;
    m = existsSync(path) ? new SourceMap(JSON.parse(readFileSync(path, "utf8"))) : null;
    maps.set(file, m);
  }
  return m;
}

/** "src/transport/stream.ts:123" (through the source map when there is one), else the file as run. */
function place(url: string, line: number, column: number): string {
  if (!url) return "";
  const file = url.startsWith("file://") ? fileURLToPath(url) : url;
  const found = file.startsWith(root) ? sourceMap(file)?.findEntry(line, column) : undefined;
  const entry = found && "originalSource" in found ? (found as SourceMapping) : undefined;
  if (entry?.originalSource) {
    const src = entry.originalSource.startsWith("file://") ? fileURLToPath(entry.originalSource) : resolve(dirname(file), entry.originalSource);
    return `${relative(root, src)}:${entry.originalLine + 1}`;
  }
  return `${file.startsWith(root) ? relative(root, file) : file}:${line + 1}`;
}

/** Functions by self time, largest first; `total` is the profile's sampled time in ms. */
export function selfTimes(path: string): { total: number; rows: SelfTime[] } {
  const p = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const n = byId.get(p.samples[i]!);
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    if (!n) continue;
    total += dt;
    const f = n.callFrame;
    const key = `${f.functionName || "(anonymous)"} ${place(f.url, f.lineNumber, f.columnNumber)}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  const rows = [...self.entries()]
    .map(([where, ms]) => ({ where, ms, share: total > 0 ? ms / total : 0, ours: where.includes(" src/") }))
    .sort((a, b) => b.ms - a.ms);
  return { total, rows };
}
