// Runs fuzz targets as node:test tests with a bounded number of inputs each.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { type FuzzTarget, runTarget } from "./targets.js";

/** Inputs per target in CI; NNGTS_FUZZ_RUNS overrides. */
export const CI_RUNS = Number(process.env.NNGTS_FUZZ_RUNS ?? 2000);

export function fuzzTests(targets: FuzzTarget[], runs = CI_RUNS): void {
  // A selection that matches no target is a broken test file, not a pass.
  if (targets.length === 0) test("fuzz targets selected", () => assert.fail("no fuzz target matched"));
  for (const t of targets) {
    test(`fuzz ${t.name} (${runs} inputs)`, { timeout: 60_000 }, async () => {
      const details = await runTarget(t, runs);
      assert.ok(!details.failed, `${fc.defaultReportMessage(details) ?? "failed"}\n${String(details.errorInstance)}`);
      assert.equal(details.numRuns, runs);
    });
  }
}
