// Importing nngts loads neither node:tls, node:http(s) nor the ws package until a transport needs them.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";

const entry = fileURLToPath(new URL("../../src/index.js", import.meta.url));

/** Runs `body` in a fresh Node process after importing nngts; returns which heavy modules it loaded. */
function loadedAfter(body: string): Promise<{ tls: boolean; http: boolean; ws: boolean }> {
  const script = `
    import { createRequire } from "node:module";
    const nngts = await import(${JSON.stringify(entry)});
    ${body}
    const req = createRequire(${JSON.stringify(entry)});
    const loaded = process.moduleLoadList;
    console.log(JSON.stringify({
      tls: loaded.includes("NativeModule tls"),
      http: loaded.includes("NativeModule http"),
      ws: Object.keys(req.cache).some((k) => k.includes("/node_modules/ws/")),
    }));`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--input-type=module", "-e", script], { timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout.trim()) as { tls: boolean; http: boolean; ws: boolean });
    });
  });
}

describe("lazy-loaded transport modules", { timeout: 60_000 }, () => {
  test("tcp, ipc and inproc use loads no TLS, HTTP or WebSocket code", async () => {
    const got = await loadedAfter(`
      const pull = new nngts.Pull0();
      const l = await pull.listen("tcp://127.0.0.1:0");
      const push = new nngts.Push0();
      await push.dial(String(l.getOption("url")));
      await push.send("x");
      await pull.recv();
      await push.close();
      await pull.close();`);
    assert.deepEqual(got, { tls: false, http: false, ws: false });
  });

  test("a ws listener loads them when it starts", async () => {
    const got = await loadedAfter(`
      const pull = new nngts.Pull0();
      await pull.listen("ws://127.0.0.1:0/x");
      await pull.close();`);
    assert.deepEqual(got, { tls: true, http: true, ws: true });
  });
});
