// Running `nngts` (this build) and `nngcat` side by side in the cli tests.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** dist/test/cli/tools.js -> dist/src/cli/main.js */
export const NNGTS_MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

export type Tool = "nngts" | "nngcat";

export interface ToolResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
  timedOut: boolean;
}

export interface ToolProcess {
  readonly child: ChildProcess;
  stdout(): Buffer;
  /** resolves once stdout contains `text` (rejects if the process ends first or after timeoutMs) */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  /** resolves when the process ended (killed after timeoutMs) */
  result(): Promise<ToolResult>;
  kill(): void;
  ended(): boolean;
  /** command line, stdout and stderr so far */
  describe(): string;
}

const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of live) c.kill("SIGKILL");
});

/** argv for a tool: nngts runs as `node main.js cat ...`, nngcat as itself. */
function command(tool: Tool, args: readonly string[]): [string, string[]] {
  return tool === "nngts" ? [process.execPath, [NNGTS_MAIN, ...args]] : ["nngcat", [...args]];
}

export function startTool(
  tool: Tool,
  args: readonly string[],
  opts: { input?: Uint8Array; timeoutMs?: number; sub?: "cat" | "perf" } = {},
): ToolProcess {
  const sub = tool === "nngts" ? [opts.sub ?? "cat"] : [];
  const [cmd, argv] = command(tool, [...sub, ...args]);
  const child = spawn(cmd, argv, { stdio: [opts.input ? "pipe" : "ignore", "pipe", "pipe"] });
  live.add(child);
  const out: Buffer[] = [];
  const err: string[] = [];
  const watchers = new Set<() => void>();
  let ended = false;
  let timedOut = false;
  const changed = (): void => {
    for (const w of [...watchers]) w();
  };
  child.stdout!.on("data", (b: Buffer) => {
    out.push(b);
    changed();
  });
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (s: string) => err.push(s));
  if (opts.input) {
    child.stdin!.on("error", () => {});
    child.stdin!.end(Buffer.from(opts.input));
  }
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, opts.timeoutMs ?? 15_000);
  const done = new Promise<ToolResult>((resolve) => {
    child.on("error", (e) => err.push(`spawn error: ${e.message}`));
    child.on("close", (code) => {
      ended = true;
      live.delete(child);
      clearTimeout(timer);
      changed();
      resolve({ code, stdout: Buffer.concat(out), stderr: err.join(""), timedOut });
    });
  });
  const stdout = (): Buffer => Buffer.concat(out);
  return {
    child,
    stdout,
    result: () => done,
    kill: () => child.kill("SIGKILL"),
    ended: () => ended,
    describe: () => `${tool} ${args.join(" ")}; stdout ${JSON.stringify(stdout().toString("latin1"))}; stderr ${err.join("")}`,
    waitFor(text, timeoutMs = 10_000) {
      return new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => {
          watchers.delete(check);
          reject(new Error(`${tool} ${args.join(" ")}: no "${text}" after ${timeoutMs} ms; stdout ${JSON.stringify(stdout().toString("latin1"))}, stderr ${err.join("")}`));
        }, timeoutMs);
        const check = (): void => {
          if (stdout().includes(text)) {
            watchers.delete(check);
            clearTimeout(t);
            resolve();
          } else if (ended) {
            watchers.delete(check);
            clearTimeout(t);
            reject(new Error(`${tool} ${args.join(" ")} ended without "${text}": stdout ${JSON.stringify(stdout().toString("latin1"))}, stderr ${err.join("")}`));
          }
        };
        watchers.add(check);
        check();
      });
    },
  };
}

/** Runs a tool to its end. */
export function runTool(tool: Tool, args: readonly string[], opts: { input?: Uint8Array; timeoutMs?: number; sub?: "cat" | "perf" } = {}): Promise<ToolResult> {
  return startTool(tool, args, opts).result();
}

/** Runs `jobs` with at most `limit` at once; resolves with their results in order. */
export async function pool<T>(limit: number, jobs: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

function tcpListening(port: number): boolean {
  // nngcat buffers its "Listening at" line when stdout is a pipe: look at the kernel's table instead.
  const hex = `:${port.toString(16).toUpperCase().padStart(4, "0")} `;
  for (const f of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(f, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n")) {
      const cols = line.trim().split(/\s+/);
      if (cols[1] && `${cols[1].slice(cols[1].indexOf(":"))} ` === hex && cols[3] === "0A") return true;
    }
  }
  return false;
}

const SO_ACCEPTCON = 0x10000;

function ipcListening(path: string): boolean {
  // The socket file appears at bind(), a moment before listen(): ask the kernel for a listening socket.
  let text = "";
  try {
    text = readFileSync("/proc/net/unix", "utf8");
  } catch {
    return existsSync(path);
  }
  for (const line of text.split("\n")) {
    const cols = line.trim().split(/\s+/);
    if (cols.length >= 8 && cols.slice(7).join(" ") === path && (Number.parseInt(cols[3]!, 16) & SO_ACCEPTCON) !== 0) return true;
  }
  return false;
}

/** Resolves once something listens on a tcp://127.0.0.1:PORT or ipc:///path URL. */
export async function waitListening(url: string, proc?: ToolProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const tcp = /^(?:tcp|ws):\/\/[^/]*:(\d+)(?:\/.*)?$/.exec(url);
  const ipcPath = url.startsWith("ipc://") ? url.slice("ipc://".length) : undefined;
  for (;;) {
    if (tcp ? tcpListening(Number(tcp[1])) : ipcPath !== undefined && ipcListening(ipcPath)) return;
    if (proc?.ended()) throw new Error(`listener ended before listening on ${url}: ${proc.describe()}`);
    if (Date.now() > deadline) throw new Error(`nothing listens on ${url} after ${timeoutMs} ms${proc ? `: ${proc.describe()}` : ""}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
