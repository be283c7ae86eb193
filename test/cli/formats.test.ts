// nngcat's output formats: a message holding every byte value, received by `nngts cat` and by
// `nngcat` in each format, must print the same bytes; plus formatMessage() on its own.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { formatMessage } from "../../src/cli/formats.js";
import { haveLibnng, tmpIpcUrl } from "../helpers/libnng.js";
import { runTool, startTool, type Tool, waitListening } from "./tools.js";

const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i);
const temps: string[] = [];
after(() => {
  for (const p of temps) rmSync(p, { force: true });
});

function tempFile(bytes: Uint8Array): string {
  const p = join(tmpdir(), `nngts-fmt-${randomBytes(6).toString("hex")}.bin`);
  writeFileSync(p, bytes);
  temps.push(p);
  return p;
}

function ipcUrl(): string {
  const u = tmpIpcUrl("fmt");
  temps.push(u.slice("ipc://".length));
  return u;
}

/** `receiver` pulls one message printed with `fmtArgs`; nngcat pushes `payload` (from a file). */
async function receive(receiver: Tool, fmtArgs: string[], payload: Uint8Array): Promise<Buffer> {
  const url = ipcUrl();
  const file = tempFile(payload);
  const rx = startTool(receiver, ["--pull0", "--listen", url, ...fmtArgs, "-C", "1"]);
  await waitListening(url, rx);
  const tx = await runTool("nngcat", ["--push0", "--dial", url, "-F", file]);
  const r = await rx.result();
  assert.equal(tx.code, 0, tx.stderr);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

const FORMATS: [string, string[]][] = [
  ["default (nothing)", []],
  ["--format no", ["--format", "no"]],
  ["--ascii", ["--ascii"]],
  ["-A", ["-A"]],
  ["--quoted", ["--quoted"]],
  ["-Q", ["-Q"]],
  ["--hex", ["--hex"]],
  ["--format hex", ["--format", "hex"]],
  ["--msgpack", ["--msgpack"]],
  ["--format=msgpack", ["--format=msgpack"]],
  ["--raw", ["--raw"]],
  ["--format:raw", ["--format:raw"]],
];

describe("all 256 byte values in every format: nngts cat prints what nngcat prints", { skip: !haveLibnng && "libnng not installed", concurrency: 4 }, () => {
  for (const [name, args] of FORMATS) {
    it(name, async () => {
      const [ours, theirs] = await Promise.all([receive("nngts", args, ALL_BYTES), receive("nngcat", args, ALL_BYTES)]);
      assert.deepEqual(ours, theirs);
      if (args.length > 0 && !args.includes("no")) assert.ok(theirs.length >= 256, "the format printed the message");
    });
  }
  for (const size of [300, 70_000]) {
    it(`--msgpack of ${size} bytes (the 16- and 32-bit length forms)`, async () => {
      const payload = randomBytes(size);
      const [ours, theirs] = await Promise.all([receive("nngts", ["--msgpack"], payload), receive("nngcat", ["--msgpack"], payload)]);
      assert.deepEqual(ours, theirs);
      assert.equal(theirs[0], size < 65536 ? 0xc5 : 0xc6);
    });
  }
  it("an empty message in every format", async () => {
    for (const [, args] of FORMATS.filter(([n]) => n.startsWith("--") && !n.includes("format"))) {
      const [ours, theirs] = await Promise.all([receive("nngts", args, new Uint8Array(0)), receive("nngcat", args, new Uint8Array(0))]);
      assert.deepEqual(ours, theirs, args.join(" "));
    }
  });
});

describe("what nngts cat sends: --data, --file, --file - (standard input)", { skip: !haveLibnng && "libnng not installed", concurrency: 3 }, () => {
  const cases: [string, (file: string) => string[], Uint8Array | undefined][] = [
    ["--file", (f) => ["--file", f], undefined],
    ["-F - (stdin)", () => ["-F", "-"], ALL_BYTES],
    ["--data", () => ["--data", "héllo wörld"], undefined],
  ];
  for (const [name, src, input] of cases) {
    it(name, async () => {
      const url = ipcUrl();
      const file = tempFile(ALL_BYTES);
      const rx = startTool("nngcat", ["--pull0", "--listen", url, "--raw", "-C", "1"]);
      await waitListening(url, rx);
      const tx = await runTool("nngts", ["--push0", "--dial", url, ...src(file)], { input });
      const r = await rx.result();
      assert.equal(tx.code, 0, tx.stderr);
      const want = name === "--data" ? Buffer.from("héllo wörld") : Buffer.from(ALL_BYTES);
      assert.deepEqual(r.stdout, want);
    });
  }
});

describe("formatMessage", () => {
  it("escapes as nngcat's printmsg", () => {
    const text = (f: Parameters<typeof formatMessage>[0], b: number[]) => Buffer.from(formatMessage(f, Uint8Array.from(b))).toString("latin1");
    assert.equal(text("quoted", [0x22, 0x5c, 0x0a, 0x0d, 0x09, 0x41, 0x00, 0x7f, 0xff]), '"\\"\\\\\\n\\r\\tA\\x00\\x7f\\xff"\n');
    assert.equal(text("hex", [0x00, 0xab]), '"\\x00\\xab"\n');
    assert.equal(text("ascii", [0x1f, 0x20, 0x7e, 0x7f, 0x80]), ". ~..");
    assert.deepEqual([...formatMessage("msgpack", Uint8Array.from([1, 2]))], [0xc4, 2, 1, 2]);
    assert.equal(formatMessage("none", ALL_BYTES).length, 0);
    assert.equal(formatMessage("no", ALL_BYTES).length, 0);
    assert.deepEqual(formatMessage("raw", ALL_BYTES), ALL_BYTES);
  });
});
