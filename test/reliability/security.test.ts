// Security checks that need no TLS: ipc:permissions keeps other users out of the socket file (run
// as root, the test connects as "nobody"), and a listener never lets a peer choose its allocations
// (see size-limits.test.ts for length prefixes). TLS checks live with the TLS transport.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, test } from "node:test";
import { Pull0, Push0 } from "../../src/index.js";
import { tmpIpcUrl } from "../helpers/libnng.js";
import { within } from "./helpers.js";

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

/** Connects to `path` as uid/gid nobody in a child; resolves with "connected" or the error code. */
function connectAsNobody(path: string): Promise<string> {
  const script = `const s = require("node:net").connect(${JSON.stringify(path)});
    s.on("connect", () => { console.log("connected"); s.destroy(); });
    s.on("error", (e) => console.log(e.code));`;
  const child = spawn(process.execPath, ["-e", script], { uid: NOBODY, gid: NOBODY, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (b: Buffer) => (out += b));
  return within(new Promise((r) => child.once("exit", () => r(out.trim()))), 10_000, "child");
}

describe("ipc socket file permissions", { timeout: 30_000 }, () => {
  test("ipc:permissions 0600 refuses another user (EACCES); 0666 lets them in", { skip: isRoot ? false : "needs root to act as another user" }, async () => {
    for (const [mode, expected] of [
      [0o600, "EACCES"],
      [0o666, "connected"],
    ] as const) {
      const url = tmpIpcUrl("sec");
      const pull = new Pull0();
      try {
        pull.setOption("ipc:permissions", mode);
        await pull.listen(url);
        assert.equal(await connectAsNobody(url.slice("ipc://".length)), expected, `mode ${mode.toString(8)}`);
        // the owner always gets in
        const push = new Push0();
        await push.dial(url);
        await push.send("owner");
        assert.equal((await pull.recv({ timeout: 3000 })).text(), "owner");
        await push.close();
      } finally {
        await pull.close();
      }
    }
  });
});
