// 10 000 concurrent connections on one listener (one message over each, every pipe gone after)
// and 1000 req contexts in flight, run by load-run.ts in a child process with the descriptor limit
// raised to the hard limit. NNGTS_LOAD_CONNECTIONS overrides the count; `npm run load` is the same.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { LoadReport } from "./load-run.js";

const WANT = Number(process.env.NNGTS_LOAD_CONNECTIONS ?? 10_000);
const hardLimit = Number(execFileSync("bash", ["-c", "ulimit -Hn"]).toString().trim().replace("unlimited", "1048576"));
// each side holds one descriptor per connection, plus a few dozen of its own
const connections = Math.min(WANT, hardLimit - 200);

test(`load: ${connections} connections on one listener, 1000 req contexts x 3 rounds`, { timeout: 300_000 }, async (t) => {
  if (connections < WANT) t.diagnostic(`descriptor hard limit ${hardLimit}: ${connections} connections instead of ${WANT}`);
  const runner = fileURLToPath(new URL("./load-run.js", import.meta.url));
  const child = spawn(
    "bash",
    ["-c", 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"', process.execPath, runner, "--connections", String(connections), "--contexts", "1000", "--rounds", "3"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let err = "";
  child.stdout.on("data", (b: Buffer) => (out += b));
  child.stderr.on("data", (b: Buffer) => (err += b));
  const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
  const last = out.trim().split("\n").pop() ?? "";
  assert.equal(code, 0, `load run failed:\n${out}\n${err}`);
  const report = JSON.parse(last) as LoadReport;
  t.diagnostic(last);
  assert.equal(report.connections, connections);
  assert.equal(report.messages, connections);
  assert.equal(report.distinctPipes, connections, "one message over each connection");
  assert.equal(report.exchanges, 3000);
  assert.equal(report.lost, 0);
  assert.equal(report.leakedHandles, 0);
});
