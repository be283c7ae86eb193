import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

// Every example runs, so none can rot. Each must exit by itself, in time, with status 0, and print
// these lines (the last one last); lines whose order depends on timing are not listed.
const root = fileURLToPath(new URL("../../", import.meta.url));
const dir = join(root, "examples");
const expected: Record<string, string[]> = {
  "quickstart.mjs": ["hello"],
  "reqrep.mjs": ["squares: 0 1 4 9 16 25 36 49", "8 replies"],
  "pubsub.mjs": [
    "weather subscriber: weather.paris sunny, weather.oslo snow",
    "catch-all subscriber: weather.paris sunny, news.sports 3-1, weather.oslo snow",
    "weather got 2, everything got 3",
  ],
  "pipeline.mjs": ["sum of results: 132", "sink collected 12 results"],
  "survey.mjs": [
    'alpha answers "who is there?"',
    'beta answers "who is there?"',
    'gamma answers "who is there?"',
    "3 responses",
  ],
  "bus.mjs": [
    "node 0 heard: hello from node 1, hello from node 2",
    "node 1 heard: hello from node 0, hello from node 2",
    "node 2 heard: hello from node 0, hello from node 1",
    "every node heard the 2 others",
  ],
  "device.mjs": ["4 replies through the broker"],
  "pair.mjs": ["b got: hi b", "a got: hi a", "p1 got: welcome p1", "p2 got: welcome p2", "p3 got: welcome p3", "pair done"],
};

function runExample(file: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    execFile(process.execPath, [join(dir, file)], { cwd: root, timeout: 20_000 }, (err, out, errOut) => {
      if (err) reject(new Error(`${file} failed: ${err.message}\n${errOut}`));
      else resolve(out);
    });
  });
}

describe("examples", () => {
  const files = readdirSync(dir).filter((f) => f.endsWith(".mjs"));

  it("every example has its expected output listed here", () => {
    assert.deepEqual(files.filter((f) => expected[f] === undefined), []);
  });

  for (const file of files) {
    it(file, async () => {
      const lines = (await runExample(file)).trim().split("\n");
      const want = expected[file] ?? [];
      for (const line of want) assert.ok(lines.includes(line), `${file} did not print ${JSON.stringify(line)}:\n${lines.join("\n")}`);
      assert.equal(lines.at(-1), want.at(-1));
    });
  }
});
