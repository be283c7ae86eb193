import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

// Every example runs, so none can rot. Each prints what it expects to see in its last line.
const root = fileURLToPath(new URL("../../", import.meta.url));
const dir = join(root, "examples");
const expected: Record<string, string> = {
  "quickstart.mjs": "hello",
};

describe("examples", () => {
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".mjs"))) {
    it(file, async () => {
      const stdout = await new Promise<string>((resolve, reject) => {
        execFile(process.execPath, [join(dir, file)], { cwd: root, timeout: 20_000 }, (err, out, errOut) => {
          if (err) reject(new Error(`${file} failed: ${err.message}\n${errOut}`));
          else resolve(out);
        });
      });
      const want = expected[file];
      assert.ok(want !== undefined, `add the expected output of ${file} to test/examples.test.ts`);
      assert.equal(stdout.trim().split("\n").at(-1), want);
    });
  }
});
