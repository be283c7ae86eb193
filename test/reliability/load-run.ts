// Load: many concurrent connections on one listener, and many req contexts in flight.
// `node load-run.js [--connections N] [--contexts N] [--rounds N]` prints a JSON report on its last
// line and exits 1 if anything was lost or leaked. The dialing side runs in a child process
// started through bash with the descriptor limit raised to the hard limit.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Pull0, Rep0, Req0 } from "../../src/index.js";
import { expectNoLeak, handleCount, until, within } from "./helpers.js";

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

export interface LoadReport {
  connections: number;
  connectMs: number;
  messages: number;
  distinctPipes: number;
  listenerRssMiB: number;
  clientRssMiB: number;
  contexts: number;
  rounds: number;
  exchanges: number;
  contextMs: number;
  lost: number;
  leakedHandles: number;
}

async function connectionLoad(n: number, report: LoadReport): Promise<void> {
  const baseline = handleCount();
  const pull = new Pull0();
  pull.setOption("recv-buffer", 8192);
  const l = await pull.listen("tcp://127.0.0.1:0");
  const url = l.getOption("url") as string;
  const client = fileURLToPath(new URL("./load-client.js", import.meta.url));
  const child = spawn("bash", ["-c", 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"', process.execPath, client, url, String(n)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    lines.push(line);
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
  const line = async (prefix: string, ms: number): Promise<string> => {
    const end = Date.now() + ms;
    for (;;) {
      const l = lines.find((x) => x.startsWith(prefix));
      if (l) return l;
      if (child.exitCode !== null) throw new Error(`client exited (${child.exitCode}) before "${prefix}"`);
      if (Date.now() > end) throw new Error(`no "${prefix}" from the client in ${ms} ms`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 100);
      });
    }
  };
  try {
    const ready = (await line("ready", 300_000)).split(" ");
    report.connectMs = Number(ready[1]);
    report.clientRssMiB = Math.round(Number(ready[2]) / 2 ** 20);
    await until(() => pull.stats().pipes === n, 30_000, `${n} pipes on the listener`);
    report.connections = pull.stats().pipes;
    report.listenerRssMiB = Math.round(process.memoryUsage().rss / 2 ** 20);
    assert.equal(l.stats.accept, n);
    child.stdin!.write("send\n");
    const pipes = new Set<number>();
    for (let i = 0; i < n; i++) {
      const m = await pull.recv({ timeout: 30_000 });
      pipes.add(m.pipe);
      report.messages++;
    }
    report.distinctPipes = pipes.size;
    await line("sent", 30_000);
    child.stdin!.write("close\n");
    assert.equal(await within(exited, 60_000, "client exit"), 0);
    await until(() => pull.stats().pipes === 0, 60_000, "every pipe gone");
    assert.equal(l.stats.disconnect, n);
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
    await pull.close();
  }
  report.lost += n - report.messages;
  await expectNoLeak(baseline, "connection load", 10_000).catch(() => {
    report.leakedHandles += handleCount() - baseline;
  });
}

async function contextLoad(contexts: number, rounds: number, report: LoadReport): Promise<void> {
  const baseline = handleCount();
  const rep = new Rep0();
  const req = new Req0();
  const t0 = Date.now();
  try {
    const l = await rep.listen("tcp://127.0.0.1:0");
    await req.dial(l.getOption("url") as string);
    const repCtxs = Array.from({ length: 64 }, () => rep.openContext());
    let serving = true;
    const servers = repCtxs.map(async (c) => {
      while (serving) {
        let m;
        try {
          m = await c.recv();
        } catch {
          return;
        }
        m.append("+");
        await c.send(m).catch(() => undefined);
      }
    });
    const ctxs = Array.from({ length: contexts }, () => req.openContext());
    for (let r = 0; r < rounds; r++) {
      const replies = await within(
        Promise.all(
          ctxs.map(async (c, i) => {
            await c.send(`r${r} c${i}`);
            return (await c.recv({ timeout: 30_000 })).text();
          }),
        ),
        60_000,
        `round ${r}`,
      );
      replies.forEach((t, i) => {
        if (t === `r${r} c${i}+`) report.exchanges++;
        else report.lost++;
      });
    }
    serving = false;
    for (const c of ctxs) c.close();
    await rep.close();
    await Promise.all(servers);
  } finally {
    await Promise.all([rep.close(), req.close()]);
  }
  report.contexts = contexts;
  report.rounds = rounds;
  report.contextMs = Date.now() - t0;
  report.lost += contexts * rounds - report.exchanges;
  await expectNoLeak(baseline, "context load", 5_000).catch(() => {
    report.leakedHandles += handleCount() - baseline;
  });
}

const report: LoadReport = {
  connections: 0,
  connectMs: 0,
  messages: 0,
  distinctPipes: 0,
  listenerRssMiB: 0,
  clientRssMiB: 0,
  contexts: 0,
  rounds: 0,
  exchanges: 0,
  contextMs: 0,
  lost: 0,
  leakedHandles: 0,
};
const connections = arg("connections", 10_000);
await connectionLoad(connections, report);
await contextLoad(arg("contexts", 1000), arg("rounds", 10), report);
console.log(JSON.stringify(report));
process.exit(report.lost === 0 && report.leakedHandles === 0 && report.connections === connections ? 0 : 1);
