// Helpers for interop tests / benchmarks against the real libnng: build and run the C peer
// (test/interop/peer.c, "nngpeer") and nngcat.
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

function onPath(cmd: string): boolean {
  try {
    execFileSync("which", [cmd], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** nngcat and gcc on PATH and the libnng headers installed. */
export const haveLibnng: boolean =
  onPath("nngcat") && onPath("gcc") && existsSync("/usr/include/nng/nng.h");

// On CI the interop tests are the point: a missing libnng must fail the run, not skip silently.
if (!haveLibnng && process.env.CI) {
  throw new Error("CI is set but nngcat/gcc/libnng-dev are missing: .ci/run must install them");
}

// dist/test/helpers/libnng.js -> <root>/test/interop/peer.c (also works when run from test/helpers/)
const peerSource = fileURLToPath(new URL("../../../test/interop/peer.c", import.meta.url));

let peerBuild: Promise<string> | undefined;

/** Path of the compiled peer; compiled once per source hash into os.tmpdir(). */
export function peerPath(): Promise<string> {
  peerBuild ??= (async () => {
    const src = readFileSync(peerSource);
    const hash = createHash("sha256").update(src).digest("hex").slice(0, 16);
    const bin = join(tmpdir(), `nngts-peer-${hash}`);
    if (existsSync(bin)) return bin;
    const tmp = `${bin}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    await new Promise<void>((resolve, reject) => {
      execFile(
        "gcc",
        ["-O2", "-Wall", "-o", tmp, peerSource, "-lnng", "-lpthread"],
        { timeout: 60_000 },
        (err, _stdout, stderr) => {
          if (err) reject(new Error(`compiling ${peerSource} failed: ${err.message}\n${stderr}`));
          else resolve();
        },
      );
    });
    try {
      renameSync(tmp, bin); // atomic: concurrent test processes may race here
    } catch (e) {
      rmSync(tmp, { force: true });
      if (!existsSync(bin)) throw e;
    }
    return bin;
  })();
  peerBuild.catch(() => (peerBuild = undefined));
  return peerBuild;
}

// ---------------------------------------------------------------------------------------------
// Child tracking

const children = new Set<ChildProcess>();

function running(c: ChildProcess): boolean {
  return c.exitCode === null && c.signalCode === null;
}

/** SIGKILL every still-running child started by these helpers; resolves once they are gone. */
export function killAllChildren(): Promise<void> {
  const waits: Promise<unknown>[] = [];
  for (const c of children) {
    if (running(c)) {
      waits.push(new Promise((r) => c.once("close", r)));
      try {
        c.kill("SIGKILL");
      } catch {
        /* already gone */
      }
    }
  }
  children.clear();
  return Promise.all(waits).then(() => undefined);
}
process.on("exit", () => void killAllChildren());

interface Tracked {
  child: ChildProcess;
  stdout: Buffer[];
  stderr: string[];
  /** complete stdout lines (a trailing partial line is added once the process closed) */
  lines: string[];
  closed: boolean;
  code: number | null;
  onChange: Set<() => void>;
}

function track(cmd: string, args: string[], input?: Uint8Array): Tracked {
  const child = spawn(cmd, args, { stdio: [input ? "pipe" : "ignore", "pipe", "pipe"] });
  const t: Tracked = { child, stdout: [], stderr: [], lines: [], closed: false, code: null, onChange: new Set() };
  children.add(child);
  const changed = () => {
    for (const f of [...t.onChange]) f();
  };
  let partial = "";
  child.stdout!.on("data", (b: Buffer) => {
    t.stdout.push(b);
    const parts = (partial + b.toString("latin1")).split("\n");
    partial = parts.pop()!;
    t.lines.push(...parts);
    changed();
  });
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (s: string) => t.stderr.push(s));
  child.on("error", (e) => {
    t.stderr.push(`spawn error: ${e.message}\n`);
    if (!t.closed && child.pid === undefined) {
      t.closed = true;
      children.delete(child);
      changed();
    }
  });
  child.on("close", (code) => {
    if (partial !== "") t.lines.push(partial);
    partial = "";
    t.closed = true;
    t.code = code;
    children.delete(child);
    changed();
  });
  if (input) {
    child.stdin!.on("error", () => {});
    child.stdin!.end(Buffer.from(input));
  }
  return t;
}

/** Wait until check() returns a value (not undefined); rejects on timeout (after killing) with describe(). */
function waitFor<T>(t: Tracked, check: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      t.onChange.delete(test);
      if (timer) clearTimeout(timer);
    };
    const test = () => {
      let v: T | undefined;
      try {
        v = check();
      } catch (e) {
        done();
        reject(e);
        return;
      }
      if (v !== undefined) {
        done();
        resolve(v);
      }
    };
    timer = setTimeout(() => {
      done();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`));
    }, timeoutMs);
    t.onChange.add(test);
    test();
  });
}

function exitOf(t: Tracked, timeoutMs: number, describe: () => string): Promise<number | null> {
  return waitFor(t, () => (t.closed ? { code: t.code } : undefined), timeoutMs, () => `exit; ${describe()}`).then(
    (r) => r.code,
    async (e: unknown) => {
      await killTracked(t);
      throw e;
    },
  );
}

async function killTracked(t: Tracked): Promise<void> {
  if (t.closed) return;
  const closed = new Promise<void>((r) => t.child.once("close", () => r()));
  try {
    t.child.kill("SIGKILL");
  } catch {
    /* ignore */
  }
  await closed;
}

// ---------------------------------------------------------------------------------------------
// The C peer

export interface PeerMessage {
  header: Uint8Array;
  body: Uint8Array;
}

export interface PeerProcess {
  readonly child: ChildProcess;
  /** from the "ready <url>" line (listening; tcp port 0 resolved), or the given url when dialing */
  readonly url: string;
  /** every stdout line seen so far */
  readonly lines: string[];
  /** parsed "msg <hex header|-> <hex body|->" lines so far */
  messages(): PeerMessage[];
  waitForMessages(n: number, timeoutMs?: number): Promise<PeerMessage[]>;
  waitForLine(pred: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** wait for exit and return its code (null if killed by a signal); on timeout kills it and rejects */
  exit(timeoutMs?: number): Promise<number | null>;
  /** SIGKILL and wait */
  kill(): Promise<void>;
  /** stderr so far */
  stderr(): string;
}

function unhex(s: string): Uint8Array {
  return s === "-" ? new Uint8Array(0) : new Uint8Array(Buffer.from(s, "hex"));
}

function parseMsg(line: string): PeerMessage | undefined {
  const m = /^msg (\S+) (\S+)$/.exec(line);
  return m ? { header: unhex(m[1]!), body: unhex(m[2]!) } : undefined;
}

/**
 * Spawn the peer (`nngpeer <proto> <dial|listen> <url> [options]`); resolves once it printed "ready".
 * Rejects with its output if it exits or prints an "error" line first, or after timeoutMs (default 10 s).
 */
export async function startPeer(args: string[], opts: { timeoutMs?: number } = {}): Promise<PeerProcess> {
  const bin = await peerPath();
  const t = track(bin, args);
  const lines = t.lines;
  const describe = () =>
    `nngpeer ${args.join(" ")}\n--- stdout:\n${lines.join("\n")}\n--- stderr:\n${t.stderr.join("")}`;
  const messages = () => lines.map(parseMsg).filter((m): m is PeerMessage => m !== undefined);
  const errorLine = () => lines.find((l) => l.startsWith("error "));

  let readyLine: string;
  try {
    readyLine = await waitFor(
      t,
      () => {
        const r = lines.find((l) => l === "ready" || l.startsWith("ready "));
        if (r !== undefined) return r;
        if (errorLine() !== undefined || t.closed) throw new Error(`peer failed before ready: ${describe()}`);
        return undefined;
      },
      opts.timeoutMs ?? 10_000,
      () => `"ready"; ${describe()}`,
    );
  } catch (e) {
    await killTracked(t);
    throw e;
  }
  const url = readyLine.startsWith("ready ") ? readyLine.slice(6) : args[2] ?? "";

  return {
    child: t.child,
    url,
    lines,
    messages,
    waitForMessages(n, timeoutMs = 10_000) {
      return waitFor(
        t,
        () => {
          const ms = messages();
          if (ms.length >= n) return ms;
          if (t.closed) throw new Error(`peer exited with ${ms.length}/${n} messages: ${describe()}`);
          return undefined;
        },
        timeoutMs,
        () => `${n} messages; ${describe()}`,
      );
    },
    waitForLine(pred, timeoutMs = 10_000) {
      return waitFor(
        t,
        () => {
          const l = lines.find(pred);
          if (l !== undefined) return l;
          if (t.closed) throw new Error(`peer exited without the expected line: ${describe()}`);
          return undefined;
        },
        timeoutMs,
        () => `line; ${describe()}`,
      );
    },
    exit: (timeoutMs = 10_000) => exitOf(t, timeoutMs, describe),
    kill: () => killTracked(t),
    stderr: () => t.stderr.join(""),
  };
}

// ---------------------------------------------------------------------------------------------
// nngcat

export interface NngcatResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
  /** true if it was killed because timeoutMs passed */
  timedOut: boolean;
}

/** Run nngcat; resolves with its exit code and output. Killed (code null, timedOut) after timeoutMs (default 10 s). */
export function runNngcat(args: string[], opts: { timeoutMs?: number; input?: Uint8Array } = {}): Promise<NngcatResult> {
  const t = track("nngcat", args, opts.input);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise((resolve) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void killTracked(t);
    }, timeoutMs);
    const check = () => {
      if (!t.closed) return;
      t.onChange.delete(check);
      clearTimeout(timer);
      resolve({ code: t.code, stdout: Buffer.concat(t.stdout), stderr: t.stderr.join(""), timedOut });
    };
    t.onChange.add(check);
    check();
  });
}

export interface NngcatProcess {
  readonly child: ChildProcess;
  stdout(): Buffer;
  stderr(): string;
  /** wait for exit and return its code; on timeout kills it and rejects */
  exit(timeoutMs?: number): Promise<number | null>;
  kill(): Promise<void>;
  /** resolves once stdout holds at least n bytes */
  waitForBytes(n: number, timeoutMs?: number): Promise<Buffer>;
}

/** Spawn nngcat without waiting for anything (it prints nothing when ready). */
export function spawnNngcat(args: string[], opts: { input?: Uint8Array } = {}): NngcatProcess {
  const t = track("nngcat", args, opts.input);
  const stdout = () => Buffer.concat(t.stdout);
  const describe = () => `nngcat ${args.join(" ")}\n--- stdout: ${JSON.stringify(stdout().toString("latin1"))}\n--- stderr:\n${t.stderr.join("")}`;
  return {
    child: t.child,
    stdout,
    stderr: () => t.stderr.join(""),
    exit: (timeoutMs = 10_000) => exitOf(t, timeoutMs, describe),
    kill: () => killTracked(t),
    waitForBytes: (n, timeoutMs = 10_000) =>
      waitFor(
        t,
        () => {
          const b = stdout();
          if (b.length >= n) return b;
          if (t.closed) throw new Error(`nngcat exited with ${b.length}/${n} bytes: ${describe()}`);
          return undefined;
        },
        timeoutMs,
        () => `${n} bytes; ${describe()}`,
      ),
  };
}

// ---------------------------------------------------------------------------------------------
// Addresses

/** A currently free tcp port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A fresh ipc URL under os.tmpdir(): "ipc:///tmp/nngts-<tag>-<random>.sock". */
export function tmpIpcUrl(tag = "t"): string {
  return `ipc://${join(tmpdir(), `nngts-${tag}-${randomBytes(6).toString("hex")}.sock`)}`;
}
