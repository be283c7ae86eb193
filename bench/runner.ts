// Runs one repetition of one case: the listening side first, then the dialing side, each in its own process.
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchCase, Side } from "./cases.js";
import { type PeerRole, peerMeasurement, startPeerRole } from "./libnng.js";
import { type Child, startChild } from "./proc.js";
import { type Measurement, READY, RESULT, type WorkerSpec } from "./spec.js";

const workerPath = fileURLToPath(new URL("./worker.js", import.meta.url));
const READY_TIMEOUT_MS = 15_000;
const RUN_TIMEOUT_MS = 60_000;
const EXIT_TIMEOUT_MS = 6_000;

export interface RunOptions {
  /** extra node flags for a worker process, by its name ("nngts thr-recv"...), e.g. --cpu-prof */
  nodeArgs?: (name: string) => string[];
}

function startWorker(name: string, spec: WorkerSpec, o: RunOptions): Child {
  return startChild(name, process.execPath, [...(o.nodeArgs?.(name) ?? []), workerPath, JSON.stringify(spec)]);
}

function parseResult(line: string): Measurement {
  return JSON.parse(line.slice(RESULT.length + 1)) as Measurement;
}

type Role = PeerRole | "mem-recv" | "mem-send";

/** The listening side's role and the dialing side's, by kind of case. */
const ROLES: Record<BenchCase["kind"], [Role, Role]> = {
  thr: ["thr-recv", "thr-send"],
  lat: ["lat-server", "lat-client"],
  mem: ["mem-recv", "mem-send"],
};

function startSide(c: BenchCase, side: Side, role: Role, url: string, o: RunOptions): Promise<Child> {
  const name = `${side.impl} ${role}`;
  if (role === "mem-recv" || role === "mem-send") {
    if (side.impl !== "nngts") throw new Error(`${role} is nngts only`);
    return Promise.resolve(startWorker(name, { impl: "nngts", role, url, size: c.size, ms: c.count }, o));
  }
  if (side.impl === "libnng") return startPeerRole(role, c.proto, url, c.size, c.count);
  if (side.impl === "ceiling") {
    return Promise.resolve(startWorker(name, { impl: "ceiling", role, ipc: c.transport === "ipc", url, size: c.size, count: c.count }, o));
  }
  const spec: WorkerSpec =
    role === "thr-recv" || role === "thr-send"
      ? { impl: "nngts", role, proto: c.proto, api: side.api, url, size: c.size, count: c.count, ...(c.peers ? { peers: c.peers } : {}) }
      : { impl: "nngts", role, proto: c.proto, url, size: c.size, count: c.count };
  return Promise.resolve(startWorker(name, spec, o));
}

async function settle(children: Child[]): Promise<void> {
  for (const ch of children) ch.endInput();
  await Promise.all(children.map((ch) => ch.exit(EXIT_TIMEOUT_MS).catch(() => ch.kill())));
}

async function runInproc(c: BenchCase, o: RunOptions): Promise<Measurement> {
  const spec: WorkerSpec =
    c.kind === "thr"
      ? { impl: "nngts", role: "thr-inproc", proto: c.proto, api: c.dialer.api, size: c.size, count: c.count }
      : { impl: "nngts", role: "lat-inproc", proto: c.proto, size: c.size, count: c.count };
  const w = startWorker("nngts inproc", spec, o);
  try {
    const m = parseResult(await w.waitLine(RESULT, RUN_TIMEOUT_MS));
    await settle([w]);
    return m;
  } catch (e) {
    await w.kill();
    throw e;
  }
}

/** One measurement of `c` (receiver's for throughput, client's for latency). */
export async function runOnce(c: BenchCase, o: RunOptions = {}): Promise<Measurement> {
  if (c.transport === "inproc") return runInproc(c, o);
  const ipcPath = join(tmpdir(), `nngts-bench-${randomBytes(6).toString("hex")}.sock`);
  const url = c.transport === "tcp" ? "tcp://127.0.0.1:0" : `ipc://${ipcPath}`;
  const thr = c.kind === "thr";
  const children: Child[] = [];
  try {
    const [listenRole, dialRole] = ROLES[c.kind];
    const listener = await startSide(c, c.listener, listenRole, url, o);
    children.push(listener);
    const ready = await listener.waitLine(READY, READY_TIMEOUT_MS);
    const bound = ready.length > READY.length ? ready.slice(READY.length + 1) : url;
    const dialer = await startSide(c, c.dialer, dialRole, bound, o);
    children.push(dialer);

    const [reporter, reporterSide, other] = thr ? [listener, c.listener, dialer] : [dialer, c.dialer, listener];
    let m: Measurement;
    if (reporterSide.impl === "libnng") {
      const code = await Promise.race([reporter.exit(RUN_TIMEOUT_MS), other.failure()]);
      if (code !== 0) throw new Error(`${reporter.name} exited with ${code}\n${reporter.describe()}`);
      m = peerMeasurement(thr ? "thr-recv" : "lat-client", reporter.lines, c.count);
    } else {
      m = parseResult(await Promise.race([reporter.waitLine(RESULT, RUN_TIMEOUT_MS), other.failure()]));
    }
    await settle(children);
    return m;
  } catch (e) {
    await Promise.all(children.map((ch) => ch.kill()));
    throw e;
  } finally {
    rmSync(ipcPath, { force: true });
  }
}
