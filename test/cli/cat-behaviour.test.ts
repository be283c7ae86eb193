// `nngts cat` behaves as `nngcat` in the same role: what --count counts, timeouts, --recv-maxsz,
// --interval, --async, --compat, topics; each scenario runs once with nngts and once with nngcat in
// the role (the other side is always nngcat), and both runs must print the same bytes and exit alike.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, describe, it } from "node:test";
import { haveLibnng, tmpIpcUrl } from "../helpers/libnng.js";
import { runTool, startTool, type Tool, type ToolResult, waitListening } from "./tools.js";
import { sleep } from "../helpers/wait.js";

const urls: string[] = [];
after(() => {
  for (const u of urls) rmSync(u.slice("ipc://".length), { force: true });
});
function freshUrl(): string {
  const u = tmpIpcUrl("beh");
  urls.push(u);
  return u;
}

interface Outcome {
  role: ToolResult;
  /** what the nngcat peers printed */
  peers: string[];
}

type Scenario = (tool: Tool, url: string) => Promise<Outcome>;

/** The role listens; then each peer (nngcat) dials and runs to its end, one after the other. */
function roleListens(role: string[], peers: string[][]): Scenario {
  return async (tool, url) => {
    const r = startTool(tool, [...role, "--listen", url]);
    await waitListening(url, r);
    const outs: string[] = [];
    for (const p of peers) outs.push((await runTool("nngcat", [...p, "--dial", url])).stdout.toString("latin1"));
    return { role: await r.result(), peers: outs };
  };
}

/** One nngcat peer listens (and may be left running: it is killed at the end); the role dials. */
function roleDials(role: string[], peer: string[], opts: { peerLate?: boolean } = {}): Scenario {
  return async (tool, url) => {
    if (opts.peerLate) {
      const r = startTool(tool, [...role, "--dial", url]);
      await sleep(500);
      const p = startTool("nngcat", [...peer, "--listen", url]);
      const [rr, pr] = await Promise.all([r.result(), p.result()]);
      return { role: rr, peers: [pr.stdout.toString("latin1")] };
    }
    const p = startTool("nngcat", [...peer, "--listen", url]);
    await waitListening(url, p);
    const r = await runTool(tool, [...role, "--dial", url]);
    await sleep(300);
    p.kill();
    return { role: r, peers: [(await p.result()).stdout.toString("latin1")] };
  };
}

const SCENARIOS: [string, Scenario][] = [
  ["pull --count 3 of 5 messages", roleListens(["--pull0", "-Q", "-C", "3"], [["--push0", "-D", "m", "-C", "5", "-i", "0"]])],
  ["pull --recv-timeout with nothing to receive", roleListens(["--pull0", "-Q", "--recv-timeout", "1"], [])],
  ["pull --recv-maxsz 8: a 10-byte message is never delivered", roleListens(["--pull0", "-Q", "-Z", "8", "--recv-timeout", "2"], [["--push0", "-D", "0123456789"]])],
  ["pull --recv-maxsz 10: a 10-byte message is", roleListens(["--pull0", "-Q", "--recv-maxsz", "10", "-C", "1"], [["--push0", "-D", "0123456789"]])],
  [
    "sub with two topics",
    roleListens(["--sub0", "--subscribe", "apple", "--subscribe", "ban", "-A", "--recv-timeout", "3"], [["--pub0", "-D", "apple pie"], ["--pub0", "-D", "cherry"], ["--pub0", "-D", "banana"]]),
  ],
  ["rep without --data only receives", roleListens(["--rep0", "-Q", "-C", "1"], [["--req0", "-D", "x", "--recv-timeout", "1"]])],
  ["rep --count 2 answers two requests", roleListens(["--rep0", "-D", "ok", "--hex", "--count", "2"], [["--req0", "-D", "one", "-Q"], ["--req0", "-D", "two", "-Q"]])],
  ["req --interval 1 --count 2", roleDials(["--req0", "-D", "q", "-Q", "-i", "1", "-C", "2"], ["--rep0", "-D", "a", "-Q", "-C", "2"])],
  ["surveyor collects until the survey time", roleDials(["--surveyor0", "-D", "who", "-Q"], ["--respondent0", "-D", "me", "-Q", "-C", "1"])],
  ["push --async dials before anyone listens", roleDials(["--push0", "--async", "-D", "late"], ["--pull0", "-Q", "-C", "1"], { peerLate: true })],
  ["pair0 --compat", roleListens(["--pair0", "--compat", "-Q", "--recv-timeout", "2"], [["--pair0", "-D", "hi"]])],
  ["push --send-timeout with no peer: Send error", roleListens(["--push0", "-D", "x", "--send-timeout", "1"], [])],
  ["pair1 --delay 1 then sends", roleListens(["--pair1", "-d", "1", "-D", "later", "--recv-timeout", "1"], [["--pair1", "-Q", "-C", "1"]])],
];

describe("nngts cat in nngcat's place: same output, same exit", { skip: !haveLibnng && "libnng not installed", concurrency: 3 }, () => {
  for (const [name, scenario] of SCENARIOS) {
    it(name, async () => {
      const [ours, theirs] = await Promise.all([scenario("nngts", freshUrl()), scenario("nngcat", freshUrl())]);
      const ctx = `nngts stderr: ${ours.role.stderr} / nngcat stderr: ${theirs.role.stderr}`;
      assert.equal(ours.role.stdout.toString("latin1"), theirs.role.stdout.toString("latin1"), ctx);
      assert.deepEqual(ours.peers, theirs.peers, ctx);
      assert.equal(ours.role.stderr, theirs.role.stderr);
      assert.equal(ours.role.code, theirs.role.code, ctx);
      assert.equal(theirs.role.timedOut, false);
    });
  }
});
