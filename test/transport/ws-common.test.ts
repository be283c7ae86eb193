// The platform-neutral parts of the WebSocket mapping, and the frame-header guard.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { NngError, parseUrl } from "../../src/index.js";
import { clientUrl, closeError, offersSubprotocol, parseHeaderLines, subprotocol, wsNames, wsTarget } from "../../src/transport/ws-common.js";
import { FrameGuard } from "../../src/transport/ws-frame-guard.js";
import { frame, OP } from "../helpers/ws-raw.js";

const config = (proto: number) => ({ proto, option: () => undefined });

describe("ws-common", () => {
  test("names: a dialer offers its peer's, a listener wants its own", () => {
    assert.deepEqual(wsNames(config(0x30)), { self: "req", peer: "rep", peerProto: 0x31 });
    assert.deepEqual(wsNames(config(0x21)), { self: "sub", peer: "pub", peerProto: 0x20 });
    assert.deepEqual(wsNames({ ...config(0x1234), protoName: "x", peerName: "y", peerProto: 0x1235 }), { self: "x", peer: "y", peerProto: 0x1235 });
    assert.throws(() => wsNames(config(0x1234)), (e: unknown) => e instanceof NngError && e.code === "ENOTSUP");
    assert.equal(subprotocol("rep"), "rep.sp.nanomsg.org");
  });

  test("subprotocol lists are matched whole, case-insensitively", () => {
    assert.ok(offersSubprotocol("rep.sp.nanomsg.org", "rep.sp.nanomsg.org"));
    assert.ok(offersSubprotocol("x, REP.sp.nanomsg.org", "rep.sp.nanomsg.org"));
    assert.ok(!offersSubprotocol("rep.sp.nanomsg.org.evil", "rep.sp.nanomsg.org"));
    assert.ok(!offersSubprotocol(undefined, "rep.sp.nanomsg.org"));
    assert.ok(!offersSubprotocol("", "rep.sp.nanomsg.org"));
  });

  test("URLs: default ports 80/443 and path /, ws4/ws6 folded for clients", () => {
    const a = wsTarget(parseUrl("ws://example.com"), false);
    assert.deepEqual([a.port, a.path, a.requestUri, a.secure], [80, "/", "/", false]);
    const b = wsTarget(parseUrl("wss://h/p/q?x=1"), false);
    assert.deepEqual([b.port, b.path, b.requestUri, b.secure], [443, "/p/q", "/p/q?x=1", true]);
    assert.equal(clientUrl(wsTarget(parseUrl("ws6://[::1]:9000/a"), false)), "ws://[::1]:9000/a");
    assert.equal(wsTarget(parseUrl("ws://*:0/x"), true).host, "0.0.0.0");
    assert.throws(() => wsTarget(parseUrl("ws://:80/x"), false), (e: unknown) => e instanceof NngError && e.code === "EADDRINVAL");
  });

  test("header option text: Name: value lines, CRLF or LF, junk lines ignored", () => {
    assert.deepEqual(parseHeaderLines("A: 1\r\nB:2\nnot a header\r\nC: x: y\r\n"), [
      ["A", "1"],
      ["B", "2"],
      ["C", "x: y"],
    ]);
  });

  test("close codes map to NNG errors", () => {
    assert.equal(closeError(1009).code, "EMSGSIZE");
    assert.equal(closeError(1003).code, "EPROTO");
    assert.equal(closeError(1000).code, "ECONNSHUT");
  });
});

describe("FrameGuard", () => {
  function run(limit: number, bytes: Buffer, chunk = 1): [number, string][] {
    const seen: [number, string][] = [];
    const g = new FrameGuard(limit, (code, why) => seen.push([code, why]));
    for (let i = 0; i < bytes.length; i += chunk) g.push(bytes.subarray(i, i + chunk));
    return seen;
  }

  test("passes frames within the limit, byte by byte or whole", () => {
    const stream = Buffer.concat([frame(OP.BINARY, new Uint8Array(100), { fin: false }), frame(OP.CONT, new Uint8Array(70_000)), frame(9, new Uint8Array(3))]);
    assert.deepEqual(run(70_000, stream, 1), []);
    assert.deepEqual(run(70_000, stream, stream.length), []);
  });

  test("an oversized frame (16- and 64-bit lengths) is 1009, TEXT is 1003", () => {
    assert.equal(run(1000, frame(OP.BINARY, new Uint8Array(1001)), 7)[0]![0], 1009);
    assert.equal(run(65_536, frame(OP.CONT, new Uint8Array(65_537)), 1000)[0]![0], 1009);
    assert.deepEqual(run(0, frame(OP.BINARY, new Uint8Array(2_000_000))), []);
    assert.equal(run(0, frame(OP.TEXT, Buffer.from("hi")))[0]![0], 1003);
    // Control frames are not data: their size is the decoder's business.
    assert.deepEqual(run(10, frame(9, new Uint8Array(100))), []);
  });

  test("nothing after a close frame is judged", () => {
    assert.deepEqual(run(10, Buffer.concat([frame(OP.CLOSE, Uint8Array.of(3, 232)), frame(OP.TEXT, Buffer.from("x"))])), []);
  });
});
