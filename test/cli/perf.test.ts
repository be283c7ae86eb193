// `nngts perf` against NNG's perf tools' behaviour: each nngts side with a libnng side (our C peer
// in its perf modes, test/interop/peer.c), the inproc modes, and perf.c's usage errors.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, describe, it } from "node:test";
import { freePort, haveLibnng, killAllChildren, startPeer, tmpIpcUrl } from "../helpers/libnng.js";
import { runTool, startTool, waitListening } from "./tools.js";

const perf = (args: string[], timeoutMs = 30_000) => runTool("nngts", args, { sub: "perf", timeoutMs });
const ipcUrls: string[] = [];
after(async () => {
  await killAllChildren();
  for (const u of ipcUrls) rmSync(u.slice("ipc://".length), { force: true });
});

const THR_LINES = [/^total time: \d+\.\d{3} \[s\]$/, /^message size: 64 \[B\]$/, /^message count: 2000$/, /^throughput: \d+ \[msg\/s\]$/, /^throughput: \d+\.\d{3} \[Mb\/s\]$/];
const LAT_LINES = [/^total time: \d+\.\d{3} \[s\]$/, /^message size: 64 \[B\]$/, /^round trip count: 200$/, /^average latency: \d+\.\d{3} \[us\]$/];

function assertLines(text: string, patterns: RegExp[]): void {
  const lines = text.trimEnd().split("\n");
  assert.equal(lines.length, patterns.length, text);
  patterns.forEach((p, i) => assert.match(lines[i]!, p));
}

async function urlFor(transport: "tcp" | "ipc"): Promise<string> {
  if (transport === "tcp") return `tcp://127.0.0.1:${await freePort()}`;
  const u = tmpIpcUrl("perf");
  ipcUrls.push(u);
  return u;
}

describe("nngts perf with a libnng side", { skip: !haveLibnng && "libnng not installed", concurrency: 2 }, () => {
  for (const transport of ["tcp", "ipc"] as const) {
    it(`${transport}: nngts remote_thr -> libnng local_thr`, async () => {
      const peer = await startPeer(["pair1", "listen", await urlFor(transport), "--local-thr", "64", "2000"]);
      const r = await perf(["remote_thr", peer.url, "64", "2000"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(await peer.exit(), 0);
      assertLines(peer.lines.filter((l) => !l.startsWith("ready")).join("\n"), THR_LINES);
    });

    it(`${transport}: libnng remote_thr -> nngts local_thr`, async () => {
      const url = await urlFor(transport);
      const local = startTool("nngts", ["local_thr", url, "64", "2000"], { sub: "perf", timeoutMs: 30_000 });
      await waitListening(url, local);
      const peer = await startPeer(["pair1", "dial", url, "--remote-thr", "64", "2000"]);
      const r = await local.result();
      assert.equal(r.code, 0, r.stderr);
      assertLines(r.stdout.toString(), THR_LINES);
      assert.equal(await peer.exit(), 0);
    });

    it(`${transport}: nngts remote_lat -> libnng local_lat`, async () => {
      const peer = await startPeer(["pair1", "listen", await urlFor(transport), "--local-lat", "64", "200"]);
      const r = await perf(["remote_lat", peer.url, "64", "200"]);
      assert.equal(r.code, 0, r.stderr);
      assertLines(r.stdout.toString(), LAT_LINES);
      assert.equal(await peer.exit(), 0);
    });

    it(`${transport}: libnng remote_lat -> nngts local_lat`, async () => {
      const url = await urlFor(transport);
      const local = startTool("nngts", ["local_lat", url, "64", "200"], { sub: "perf", timeoutMs: 30_000 });
      await waitListening(url, local);
      const peer = await startPeer(["pair1", "dial", url, "--remote-lat", "64", "200"]);
      assert.equal(await peer.exit(), 0);
      assertLines(peer.lines.filter((l) => !l.startsWith("ready")).join("\n"), LAT_LINES);
      const r = await local.result();
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.length, 0);
    });
  }

  it("local_thr dies as perf.c when a message has another size", async () => {
    const url = await urlFor("tcp");
    const local = startTool("nngts", ["local_thr", url, "64", "100"], { sub: "perf" });
    await waitListening(url, local);
    const peer = await startPeer(["pair1", "dial", url, "--remote-thr", "32", "100"]);
    const r = await local.result();
    assert.equal(r.stderr, "wrong message size: 32 != 64\n");
    assert.equal(r.code, 2);
    await peer.kill();
  });
});

describe("nngts perf inproc modes and usage", { concurrency: 4 }, () => {
  it("inproc_thr", async () => {
    const r = await perf(["inproc_thr", "64", "2000"]);
    assert.equal(r.code, 0, r.stderr);
    assertLines(r.stdout.toString(), THR_LINES);
  });
  it("inproc_lat --url", async () => {
    const r = await perf(["inproc_lat", "--url", "inproc://perf-test", "64", "200"]);
    assert.equal(r.code, 0, r.stderr);
    assertLines(r.stdout.toString(), LAT_LINES);
  });
  const errors: [string[], string][] = [
    [["local_thr"], "Usage: local_thr <listen-addr> <msg-size> <count>\n"],
    [["remote_thr", "a", "1"], "Usage: remote_thr <connect-to> <msg-size> <count>\n"],
    [["local_lat", "a", "b", "c", "d"], "Usage: local_lat <listen-addr> <msg-size> <roundtrips>\n"],
    [["remote_lat"], "Usage: remote_lat <connect-to> <msg-size> <roundtrips>\n"],
    [["inproc_thr", "1"], "Usage: inproc_thr <msg-size> <count>\n"],
    [["inproc_lat"], "Usage: inproc_lat <msg-size> <count>\n"],
    [["remote_lat", "tcp://127.0.0.1:1", "-1", "5"], "Invalid message size\n"],
    [["local_thr", "tcp://127.0.0.1:0", "64", "x"], "Invalid count\n"],
    [["local_lat", "tcp://127.0.0.1:0", "64", "1000000001"], "Invalid round-trips\n"],
    [["remote_thr", "tcp://127.0.0.1:1", "64", "10"], "nng_dial: Connection refused\n"],
    [["local_thr", "foo://x", "64", "10"], "nng_listen: Not supported\n"],
  ];
  for (const [args, stderr] of errors) {
    it(args.join(" "), async () => {
      const r = await perf(args);
      assert.equal(r.stderr, stderr);
      assert.equal(r.code, 2);
    });
  }
  it("an unknown mode", async () => {
    const r = await perf(["fast_thr"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^Unknown program mode fast_thr\.\nUsage: nngts perf/);
  });
});
