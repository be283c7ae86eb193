// Child processes with line-based output: the benchmark's node workers and the C peer.
import { spawn, type ChildProcess } from "node:child_process";

export interface Child {
  readonly name: string;
  /** complete stdout lines so far */
  readonly lines: string[];
  /** Resolves with the first stdout line starting with `prefix`; rejects on an "error" line, exit or timeout. */
  waitLine(prefix: string, timeoutMs: number): Promise<string>;
  /** Resolves with the exit code (null: killed); rejects on timeout. */
  exit(timeoutMs: number): Promise<number | null>;
  /** Rejects once the child prints an "error" line or exits with a non-zero code (or a signal); never resolves. */
  failure(): Promise<never>;
  /** Closes the child's stdin (the workers' "you may stop now"). */
  endInput(): void;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
  /** stdout and stderr, for error messages. */
  describe(): string;
}

const live = new Set<ChildProcess>();

/** SIGKILLs every child still running (on errors and on exit). */
export function killAll(): void {
  for (const c of live) {
    try {
      c.kill("SIGKILL");
    } catch {
      /* already gone */
    }
  }
  live.clear();
}
process.on("exit", killAll);

export function startChild(name: string, cmd: string, args: string[]): Child {
  const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
  live.add(child);
  const lines: string[] = [];
  const stderr: string[] = [];
  const watchers = new Set<() => void>();
  let closed = false;
  let code: number | null = null;
  let partial = "";
  const changed = (): void => {
    for (const w of [...watchers]) w();
  };
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (s: string) => {
    const parts = (partial + s).split("\n");
    partial = parts.pop()!;
    lines.push(...parts);
    changed();
  });
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (s: string) => stderr.push(s));
  child.stdin.on("error", () => {});
  child.on("error", (e) => stderr.push(`spawn error: ${e.message}\n`));
  child.on("close", (c) => {
    if (partial !== "") lines.push(partial);
    partial = "";
    closed = true;
    code = c;
    live.delete(child);
    changed();
  });

  const describe = (): string => `${name}: ${cmd} ${args.join(" ")}\n--- stdout:\n${lines.join("\n")}\n--- stderr:\n${stderr.join("")}`;

  function until<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const stop = (): void => {
        watchers.delete(test);
        clearTimeout(timer);
      };
      const test = (): void => {
        let v: T | undefined;
        try {
          v = check();
        } catch (e) {
          stop();
          reject(e);
          return;
        }
        if (v !== undefined) {
          stop();
          resolve(v);
        }
      };
      const timer = Number.isFinite(timeoutMs)
        ? setTimeout(() => {
            stop();
            reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${describe()}`));
          }, timeoutMs)
        : undefined;
      watchers.add(test);
      test();
    });
  }

  return {
    name,
    lines,
    waitLine: (prefix, timeoutMs) =>
      until(
        () => {
          const l = lines.find((x) => x.startsWith(prefix));
          if (l !== undefined) return l;
          if (lines.some((x) => x.startsWith("error"))) throw new Error(`${name} failed\n${describe()}`);
          if (closed) throw new Error(`${name} exited (code ${code}) before "${prefix}"\n${describe()}`);
          return undefined;
        },
        timeoutMs,
        `"${prefix}" from ${name}`,
      ),
    exit: (timeoutMs) => until(() => (closed ? { code } : undefined), timeoutMs, `${name} to exit`).then((r) => r.code),
    failure: () =>
      until<never>(
        () => {
          if (lines.some((x) => x.startsWith("error"))) throw new Error(`${name} failed\n${describe()}`);
          if (closed && code !== 0) throw new Error(`${name} exited with code ${code}\n${describe()}`);
          return undefined;
        },
        Number.POSITIVE_INFINITY,
        `${name} to fail`,
      ),
    endInput: () => child.stdin.end(),
    kill: async () => {
      if (closed) return;
      const gone = new Promise<void>((r) => child.once("close", () => r()));
      child.kill("SIGKILL");
      await gone;
    },
    describe,
  };
}
