// The published tarball: only dist/src (with declarations and source maps carrying their sources),
// README, CHANGELOG, LICENSE. publint and attw run in `npm run check:package` (CI).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

describe("package", () => {
  it("npm pack holds what belongs and nothing else", { timeout: 60_000 }, async () => {
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ["scripts/check-package.mjs", "--files-only"], { cwd: root, timeout: 55_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stdout}\n${stderr}`));
        else resolve(stdout);
      });
    });
    assert.match(out, /package ok/);
  });
});
