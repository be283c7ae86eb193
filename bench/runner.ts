// Runs one repetition of one case: the listening side first, then the dialing side, each in its own process.
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchCase, Side } from "./cases.js";
import { freePort } from "../test/helpers/libnng.js";
import { type PeerRole, peerMeasurement, startPeerContexts, startPeerRole } from "./libnng.js";
import { type Child, startChild } from "./proc.js";
import { type Measurement, READY, RESULT, type TlsFiles, type WorkerSpec } from "./spec.js";
import { makeTestCerts, type TestCerts } from "../test/helpers/certs.js";
import { waitListening } from "../test/cli/tools.js";

const workerPath = fileURLToPath(new URL("./worker.js", import.meta.url));
const cliPath = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const CLI_MODE: Record<PeerRole, string> = { "thr-recv": "local_thr", "thr-send": "remote_thr", "lat-server": "local_lat", "lat-client": "remote_lat" };
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

let certs: TestCerts | null = null;

/** Throwaway certificates for the tls cases, made once per run and removed at exit. */
function tlsFiles(): TlsFiles {
  if (!certs) {
    const made = makeTestCerts();
    certs = made;
    process.once("exit", () => made.cleanup());
  }
  return { certKeyFile: certs.server.bundleFile, caFile: certs.ca.certFile };
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
  rr: ["lat-server", "lat-client"],
  fanout: ["thr-recv", "thr-send"], // unused: fan-out runs its own way (runFanout)
};

function startSide(c: BenchCase, side: Side, role: Role, url: string, o: RunOptions): Promise<Child> {
  const name = `${side.impl} ${role}`;
  if (role === "mem-recv" || role === "mem-send") {
    if (side.impl !== "nngts") throw new Error(`${role} is nngts only`);
    return Promise.resolve(startWorker(name, { impl: "nngts", role, url, size: c.size, ms: c.count }, o));
  }
  const tls = c.transport === "tls" ? tlsFiles() : undefined;
  if (side.impl === "libnng" && c.kind === "rr") return startPeerContexts(role === "lat-server" ? "server" : "client", url, c.size, c.count, c.contexts ?? 1);
  if (side.impl === "libnng") return startPeerRole(role, c.proto, url, c.size, c.count, tls, c.warmup ?? 0);
  if (side.impl === "cli") {
    const args = [...(o.nodeArgs?.(name) ?? []), cliPath, "perf", CLI_MODE[role], url, String(c.size), String(c.count)];
    return Promise.resolve(startChild(name, process.execPath, args));
  }
  if (side.impl === "zeromq") {
    if (role !== "thr-recv" && role !== "thr-send" && role !== "lat-server" && role !== "lat-client") throw new Error(`${role}: not a zeromq role`);
    return Promise.resolve(startWorker(name, { impl: "zeromq", role, url, size: c.size, count: c.count, warmup: c.warmup ?? 0 }, o));
  }
  if (side.impl === "ceiling") {
    return Promise.resolve(startWorker(name, { impl: "ceiling", role, ipc: c.transport === "ipc", url, size: c.size, count: c.count, warmup: c.warmup ?? 0 }, o));
  }
  if (c.kind === "rr") {
    const rrRole = role === "lat-server" ? "rr-server" : "rr-client";
    return Promise.resolve(startWorker(`nngts ${rrRole}`, { impl: "nngts", role: rrRole, url, size: c.size, count: c.count, contexts: c.contexts ?? 1 }, o));
  }
  const spec: WorkerSpec =
    role === "thr-recv" || role === "thr-send"
      ? { impl: "nngts", role, proto: c.proto, api: side.api, url, size: c.size, count: c.count, ...(tls ? { tls } : {}), ...(c.peers ? { peers: c.peers } : {}) }
      : { impl: "nngts", role, proto: c.proto, url, size: c.size, count: c.count, warmup: c.warmup ?? 0, ...(tls ? { tls } : {}) };
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
      : c.kind === "rr"
        ? { impl: "nngts", role: "rr-inproc", size: c.size, count: c.count, contexts: c.contexts ?? 1 }
        : { impl: "nngts", role: "lat-inproc", proto: c.proto, size: c.size, count: c.count, warmup: c.warmup ?? 0 };
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

/**
 * Fan-out: a publisher process (listening) and one process holding every subscriber (dialing);
 * the subscribers' measurement, with the publisher's sending time added.
 */
async function runFanout(c: BenchCase, url: string, o: RunOptions): Promise<Measurement> {
  const subscribers = c.subscribers ?? 1;
  if (c.transport === "inproc") {
    const w = startWorker("nngts fanout", { impl: "nngts", role: "fanout-inproc", size: c.size, count: c.count, subscribers }, o);
    try {
      const m = parseResult(await w.waitLine(RESULT, RUN_TIMEOUT_MS));
      await settle([w]);
      return m;
    } catch (e) {
      await w.kill();
      throw e;
    }
  }
  const children: Child[] = [];
  try {
    const pub = startWorker("nngts fanout-pub", { impl: "nngts", role: "fanout-pub", url, size: c.size, count: c.count, subscribers }, o);
    children.push(pub);
    const ready = await pub.waitLine(READY, READY_TIMEOUT_MS);
    const bound = ready.length > READY.length ? ready.slice(READY.length + 1) : url;
    const subs = startWorker("nngts fanout-subs", { impl: "nngts", role: "fanout-subs", url: bound, size: c.size, count: c.count, subscribers }, o);
    children.push(subs);
    const failed = Promise.race([pub.failure(), subs.failure()]);
    const m = parseResult(await Promise.race([subs.waitLine(RESULT, RUN_TIMEOUT_MS), failed]));
    const p = parseResult(await Promise.race([pub.waitLine(RESULT, RUN_TIMEOUT_MS), failed]));
    await settle(children);
    return { ...m, pubSeconds: p.seconds };
  } catch (e) {
    await Promise.all(children.map((ch) => ch.kill()));
    throw e;
  }
}

/** One measurement of `c` (receiver's for throughput, client's for latency, the subscribers' for fan-out). */
export async function runOnce(c: BenchCase, o: RunOptions = {}): Promise<Measurement> {
  if (c.kind === "fanout" && c.transport === "inproc") return runFanout(c, "", o);
  if (c.transport === "inproc") return runInproc(c, o);
  const ipcPath = join(tmpdir(), `nngts-bench-${randomBytes(6).toString("hex")}.sock`);
  // `nngts perf` prints nothing once it listens (as NNG's tools): it gets a known port, and is watched for.
  const cliListens = c.listener.impl === "cli";
  // libnng's ws listener does not report a port it picked, so ws gets a free one up front.
  const url =
    c.transport === "tcp"
      ? `tcp://127.0.0.1:${cliListens ? await freePort() : 0}`
      : c.transport === "tls"
        ? "tls+tcp://127.0.0.1:0"
        : c.transport === "ws"
          ? `ws://127.0.0.1:${await freePort()}/bench`
          : `ipc://${ipcPath}`;
  const thr = c.kind === "thr";
  const children: Child[] = [];
  try {
    if (c.kind === "fanout") return await runFanout(c, url, o);
    const [listenRole, dialRole] = ROLES[c.kind];
    const listener = await startSide(c, c.listener, listenRole, url, o);
    children.push(listener);
    let bound = url;
    if (cliListens) {
      await Promise.race([waitListening(url, undefined, READY_TIMEOUT_MS), listener.failure()]);
    } else {
      const ready = await listener.waitLine(READY, READY_TIMEOUT_MS);
      if (ready.length > READY.length) bound = ready.slice(READY.length + 1);
    }
    const dialer = await startSide(c, c.dialer, dialRole, bound, o);
    children.push(dialer);

    const [reporter, reporterSide, other] = thr ? [listener, c.listener, dialer] : [dialer, c.dialer, listener];
    let m: Measurement;
    if (reporterSide.impl === "libnng" || reporterSide.impl === "cli") {
      const code = await Promise.race([reporter.exit(RUN_TIMEOUT_MS), other.failure()]);
      if (code !== 0) throw new Error(`${reporter.name} exited with ${code}\n${reporter.describe()}`);
      m = peerMeasurement(thr ? "thr-recv" : c.kind === "rr" ? "rr-client" : "lat-client", reporter.lines, c.count);
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
