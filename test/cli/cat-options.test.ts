// `nngts cat` argument handling against nngcat's: the same message on stderr, the same stdout and
// exit code for wrong, missing and conflicting arguments, and for endpoints that cannot start.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { CatUsageError, intArg, parseCatArgs } from "../../src/cli/cat-options.js";
import { haveLibnng } from "../helpers/libnng.js";
import { runTool } from "./tools.js";

// Port 1 on loopback: nothing listens there, a dial is refused at once.
const REFUSED = "tcp://127.0.0.1:1";
const pem = join(tmpdir(), `nngts-cli-${randomBytes(6).toString("hex")}.pem`);
writeFileSync(pem, "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
after(() => rmSync(pem, { force: true }));

const SAME: string[][] = [
  [],
  ["--req0"],
  ["--foo"],
  ["--re"],
  ["--d"],
  ["--", "--req0"],
  ["--req0", "--dial"],
  ["-x"],
  ["-Z"],
  ["-Zfoo", "--req0"],
  ["-Qv"],
  ["-q1"],
  ["--req0", "--rep0", "--dial", REFUSED],
  ["--bus", "--pair0"],
  ["--req0", "--dial", REFUSED],
  ["--req0", "--dial", REFUSED, "-D", "hi"],
  ["--req", `--dial=${REFUSED}`, "-D", "hi"],
  ["--req0", `--connect:${REFUSED}`, "-Dhi"],
  ["--surveyor", "--dial", REFUSED],
  ["--pub0", "--dial", REFUSED, "-D", "x", "--ascii"],
  ["--push", "--dial", REFUSED, "-D", "x", "--format", "no"],
  ["--sub", "--dial", REFUSED, "-D", "x"],
  ["--pull", "--dial", REFUSED, "-F", pem],
  ["--pull", "--dial", REFUSED, "-i", "1"],
  ["--rep", "--dial", REFUSED, "-i", "1"],
  ["--respondent", "--dial", REFUSED, "--interval", "1"],
  ["--pair0", "--dial", REFUSED, "-i", "1"],
  ["--pair1", "--compat", "--dial", REFUSED],
  ["--pair0", "--compat", "--async", "--dial", REFUSED],
  ["--pair0", "--compat", "-C", "3", "--dial", REFUSED],
  ["--pair0", "--compat", "--dial", REFUSED, "--recv-timeout", "1"],
  ["--req0", "--dial", "foo://bar", "-D", "x"],
  ["--rep0", "--listen", "foo://bar"],
  ["--pull0", "--dial", "tcp://bad"],
  ["--pull0", "--dial", "tcp://127.0.0.1"],
  ["--pull0", "--dial", "tcp://:5"],
  ["--pull0", "--dial", "tcp://127.0.0.1:99999"],
  ["--pull0", "--listen", "tcp://127.0.0.1:99999"],
  ["--pull0", "--listen", "tcp://256.1.1.1:5"],
  ["--pull0", "--dial", "tcp://127.0.0.1:5/x"],
  ["--pull0", "--listen", "tcp://u@127.0.0.1:5"],
  ["--pull0", "--dial", "tls+tcp://127.0.0.1:5?q", "-k"],
  ["--pull0", "--listen", "ipc://"],
  ["--pull0", "--dial", `ipc:///tmp/${"x".repeat(200)}`],
  ["--format", "bogus"],
  ["--format"],
  ["-A", "-Q"],
  ["--hex", "--format", "raw"],
  ["-C", "99999999999"],
  ["-C", ""],
  ["-C", "-1"],
  ["--count", "1x"],
  ["-L", "70000"],
  ["-L", "65536"],
  ["-l", "1", "--pair0"],
  ["-i", "86401"],
  ["--delay", "99999"],
  ["--recv-timeout", "x"],
  ["--send-timeout", ""],
  ["-Z", "x"],
  ["-D", "a", "-D", "b"],
  ["-D", "a", "-F", pem],
  ["-F", "/nonexistent/file"],
  ["--cacert", "/nonexistent/file"],
  ["--key", "/nonexistent/file"],
  ["-E", "/nonexistent/file"],
  ["--cert"],
  ["--cacert", pem, "--cacert", pem],
  ["--key", pem, "--key", pem],
  ["--cert", pem, "-E", pem],
  ["-k", "--req0"],
  ["--rep0", "--subscribe", "x", "--dial", REFUSED],
  ["--sub0", "--dial", REFUSED, "--subscribe"],
  ["foo", "--req0"],
  ["-", "--req0"],
  ["--bus0", "--dial", REFUSED],
  ["--pair0", "-x", "/nonexistent/dir/x.sock"],
  ["--pair0", "--dial", "ipc:///nonexistent/dir/x.sock"],
  ["--pair1", "--dial", REFUSED, "--zt-home", "/tmp", "--socket-name", "x"],
  ["--pair1", "--dial", REFUSED, "-v", "-k", "--cacert", pem, "--cert", pem, "--key", pem],
  ["--pair1", "--dial", REFUSED, "-q", "--recv-maxsz", "0", "--send-timeout", "1", "--recv-timeout", "1"],
  ["--version"],
  ["-V"],
  ["--help"],
  ["-h"],
  ["-h", "--version"],
];

/** What may differ: the name in the usage line (and our extra --bus0 line), and the version number. */
function normalize(args: string[], stdout: string): string {
  const version = args.find((a) => a === "--version" || a === "-V" || a === "-h" || a === "--help");
  if (version === "--version" || version === "-V") return /^\d+\.\d+\.\d+\n$/.test(stdout) ? "<version>\n" : stdout;
  return stdout.replace("Usage: nngts cat ", "Usage: nngcat ").replace("  --bus0                 (or alias --bus)\n", "");
}

describe("nngts cat answers wrong arguments as nngcat does", { skip: !haveLibnng && "libnng not installed", concurrency: 4 }, () => {
  for (const args of SAME) {
    it(JSON.stringify(args), async () => {
      const [ours, theirs] = await Promise.all([runTool("nngts", args, { timeoutMs: 10_000 }), runTool("nngcat", args, { timeoutMs: 10_000 })]);
      assert.equal(theirs.timedOut, false);
      assert.equal(ours.stderr, theirs.stderr);
      assert.equal(normalize(args, ours.stdout.toString()), normalize(args, theirs.stdout.toString()));
      assert.equal(ours.code, theirs.code);
    });
  }
});

describe("transports nngts may not have yet (tls+tcp, ws, wss): nngcat's answer, or a clean one", { skip: !haveLibnng && "libnng not installed", concurrency: 3 }, () => {
  for (const url of ["tls+tcp://127.0.0.1:1", "ws://127.0.0.1:1/x", "wss://127.0.0.1:1/x"]) {
    it(url, async () => {
      const args = ["--pair1", "--dial", url, "-k", "--cacert", pem];
      const [ours, theirs] = await Promise.all([runTool("nngts", args), runTool("nngcat", args)]);
      assert.equal(ours.code, 1);
      if (ours.stderr.startsWith("Unable to create dialer")) {
        assert.equal(ours.stderr, `Unable to create dialer for ${url}: Not supported\n`);
      } else {
        assert.equal(ours.stderr, theirs.stderr);
      }
    });
  }
});

describe("parseCatArgs", () => {
  it("maps nngcat's aliases and units", () => {
    const c = parseCatArgs(["--pair", "-L", "5555", "-x", "tmp/s", "--bind", "tcp://[::1]:1", "-d", "2", "-i", "3", "--recv-timeout=4", "-Z", "0", "-C", "7", "-D", "x"]);
    assert.equal(c.proto, "pair1");
    assert.deepEqual(c.addresses, [
      { mode: "listen", url: "tcp://127.0.0.1:5555" },
      { mode: "dial", url: "ipc:///tmp/s" },
      { mode: "listen", url: "tcp://[::1]:1" },
    ]);
    assert.equal(c.delay, 2000);
    assert.equal(c.interval, 3000);
    assert.equal(c.recvTimeout, 4000);
    assert.equal(c.recvMaxSize, 0x7fffffff);
    assert.equal(c.count, 7);
    assert.equal(parseCatArgs(["--pair", "--compat", "-l", "1"]).proto, "pair0");
    assert.deepEqual(parseCatArgs(["--sub", "-l", "1"]).topics, [""]);
    const tls = parseCatArgs(["--req0", "-l", "1", "-D", "x", "-k", "--cacert", pem, "-E", pem]).tls;
    assert.deepEqual(tls, { insecure: true, caFile: pem, certFile: pem });
  });
  it("intArg works in C int arithmetic like nngcat's intarg", () => {
    assert.equal(intArg("65536", 65536), 65536);
    assert.throws(() => intArg("65537", 65536), CatUsageError);
    assert.equal(intArg("99999999999", 0x7fffffff), 1215752191);
  });
});
