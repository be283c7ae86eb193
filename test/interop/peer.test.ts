// Self-check of the interop harness: the C peer (test/interop/peer.c) against nngcat and itself.
// libnng on both sides — this proves the harness, not nngts.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import {
  haveLibnng,
  killAllChildren,
  runNngcat,
  startPeer,
  tmpIpcUrl,
} from "../helpers/libnng.js";

const text = (b: Uint8Array) => Buffer.from(b).toString("utf8");
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("interop harness: nngpeer vs nngcat", { skip: !haveLibnng && "libnng not installed", timeout: 30_000 }, () => {
  after(() => killAllChildren());

  test("peer push0 listen tcp:0 -> nngcat --pull0 --dial --ascii", { timeout: 8_000 }, async () => {
    const peer = await startPeer(["push0", "listen", "tcp://127.0.0.1:0", "--send", "3"]);
    assert.match(peer.url, /^tcp:\/\/127\.0\.0\.1:[1-9]\d*$/);
    const r = await runNngcat(["--pull0", "--dial", peer.url, "--ascii", "--count", "3"], { timeoutMs: 5_000 });
    assert.equal(r.code, 0, r.stderr);
    // --ascii writes each body as is, no separator
    assert.equal(r.stdout.toString(), "msg-0msg-1msg-2");
    assert.equal(await peer.exit(5_000), 0);
  });

  test("nngcat --push0 --dial --data -> peer pull0 listen ipc", { timeout: 8_000 }, async () => {
    const peer = await startPeer(["pull0", "listen", tmpIpcUrl("pull"), "--recv", "2", "--recv-timeout", "5000"]);
    const r = await runNngcat(["--push0", "--dial", peer.url, "--data", "hello", "--count", "2"], { timeoutMs: 5_000 });
    assert.equal(r.code, 0, r.stderr);
    const msgs = await peer.waitForMessages(2, 5_000);
    assert.deepEqual(msgs.map((m) => text(m.body)), ["hello", "hello"]);
    assert.deepEqual(msgs.map((m) => m.header.length), [0, 0]);
    assert.equal(await peer.exit(5_000), 0);
  });

  test("peer rep0 --echo vs peer req0 --req (cooked)", { timeout: 8_000 }, async () => {
    const rep = await startPeer(["rep0", "listen", tmpIpcUrl("rep"), "--echo", "2", "--recv-timeout", "5000"]);
    const req = await startPeer(["req0", "dial", rep.url, "--req", "2", "--recv-timeout", "5000"]);
    const replies = await req.waitForMessages(2, 5_000);
    assert.deepEqual(replies.map((m) => text(m.body)), ["msg-0", "msg-1"]);
    assert.deepEqual(replies.map((m) => m.header.length), [0, 0]);
    const seen = await rep.waitForMessages(2, 5_000);
    assert.deepEqual(seen.map((m) => [hex(m.header), text(m.body)]), [["", "msg-0"], ["", "msg-1"]]);
    assert.equal(await req.exit(5_000), 0);
    assert.equal(await rep.exit(5_000), 0);
  });

  test("peer rep0 --raw --echo shows the backtrace header", { timeout: 8_000 }, async () => {
    const rep = await startPeer(["rep0", "listen", tmpIpcUrl("rawrep"), "--raw", "--echo", "1", "--recv-timeout", "5000"]);
    const req = await startPeer(["req0", "dial", rep.url, "--req", "1", "--data", "abc", "--recv-timeout", "5000"]);
    assert.equal(text((await req.waitForMessages(1, 5_000))[0]!.body), "abc");
    const [m] = await rep.waitForMessages(1, 5_000);
    // libnng 1.5.2 raw rep: 4-byte pipe id, then the request id (high bit set)
    assert.equal(m!.header.length, 8);
    assert.ok(m!.header[4]! & 0x80);
    assert.equal(text(m!.body), "abc");
    assert.equal(await req.exit(5_000), 0);
    assert.equal(await rep.exit(5_000), 0);
  });

  test("peer pair1 --raw --echo vs cooked pair1", { timeout: 8_000 }, async () => {
    const raw = await startPeer(["pair1", "listen", tmpIpcUrl("pair"), "--raw", "--echo", "2", "--recv-timeout", "5000"]);
    const cooked = await startPeer(["pair1", "dial", raw.url, "--send", "2", "--recv", "2", "--recv-timeout", "5000"]);
    const back = await cooked.waitForMessages(2, 5_000);
    assert.deepEqual(back.map((m) => text(m.body)), ["msg-0", "msg-1"]);
    const seen = await raw.waitForMessages(2, 5_000);
    // raw pair1 keeps the 32-bit hop count in the header
    assert.deepEqual(seen.map((m) => [hex(m.header), text(m.body)]), [["00000001", "msg-0"], ["00000001", "msg-1"]]);
    assert.equal(await cooked.exit(5_000), 0);
    assert.equal(await raw.exit(5_000), 0);
  });

  test("perf: local-thr / remote-thr and local-lat / remote-lat over ipc", { timeout: 10_000 }, async () => {
    const lt = await startPeer(["pair1", "listen", tmpIpcUrl("thr"), "--local-thr", "64", "100"]);
    const rt = await startPeer(["pair1", "dial", lt.url, "--remote-thr", "64", "100"]);
    assert.equal(await lt.exit(5_000), 0);
    assert.equal(await rt.exit(5_000), 0);
    const thr = lt.lines.slice(1);
    assert.equal(thr.length, 5, thr.join("\n"));
    assert.match(thr[0]!, /^total time: \d+\.\d{3} \[s\]$/);
    assert.equal(thr[1], "message size: 64 [B]");
    assert.equal(thr[2], "message count: 100");
    assert.match(thr[3]!, /^throughput: (\d+|inf) \[msg\/s\]$/);
    assert.match(thr[4]!, /^throughput: (\d+\.\d{3}|inf) \[Mb\/s\]$/);

    const ll = await startPeer(["pair1", "listen", tmpIpcUrl("lat"), "--local-lat", "64", "100"]);
    const rl = await startPeer(["pair1", "dial", ll.url, "--remote-lat", "64", "100"]);
    assert.equal(await rl.exit(5_000), 0);
    assert.equal(await ll.exit(5_000), 0);
    const lat = rl.lines.slice(1);
    assert.equal(lat.length, 4, lat.join("\n"));
    assert.match(lat[0]!, /^total time: \d+\.\d{3} \[s\]$/);
    assert.equal(lat[1], "message size: 64 [B]");
    assert.equal(lat[2], "round trip count: 100");
    assert.match(lat[3]!, /^average latency: \d+\.\d{3} \[us\]$/);
  });

  test("errors: recv timeout and failed dial", { timeout: 8_000 }, async () => {
    const p = await startPeer(["pull0", "listen", tmpIpcUrl("to"), "--recv", "1", "--recv-timeout", "100"]);
    assert.equal(await p.exit(5_000), 1);
    assert.ok(p.lines.includes("error recv Timed out 5"), p.lines.join("\n"));
    await assert.rejects(startPeer(["push0", "dial", tmpIpcUrl("nobody"), "--send", "1"], { timeoutMs: 5_000 }), /error dial/);
  });
});
