// The microtask batcher behind aio callbacks and transport deliveries.
import assert from "node:assert/strict";
import { test } from "node:test";
import { defer } from "../../src/core/defer.js";

const task = (run: () => void) => ({ runDeferred: run });

test("tasks run later, in a microtask, in FIFO order, tasks added while draining included", async () => {
  const seen: string[] = [];
  defer(task(() => {
    seen.push("a");
    defer(task(() => seen.push("c")));
  }));
  defer(task(() => seen.push("b")));
  assert.deepEqual(seen, [], "nothing runs synchronously");
  await Promise.resolve();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(seen, ["a", "b", "c"]);
});

test("a long run of tasks yields to promise continuations queued meanwhile", async () => {
  const seen: string[] = [];
  let n = 0;
  const again = task(() => {
    if (++n === 1) void Promise.resolve().then(() => seen.push(`promise after ${n}`));
    if (n < 2000) defer(again);
  });
  defer(again);
  await new Promise((r) => setImmediate(r));
  assert.equal(n, 2000);
  assert.equal(seen.length, 1);
  assert.ok(!seen[0]!.endsWith(" 2000"), `the promise ran only at the end: ${seen[0]}`);
});

test("a task that throws surfaces the error; the other tasks still run", async () => {
  const seen: string[] = [];
  const errors: unknown[] = [];
  const listeners = process.listeners("uncaughtException");
  process.removeAllListeners("uncaughtException");
  process.on("uncaughtException", (e) => errors.push(e));
  try {
    defer(task(() => seen.push("before")));
    defer(task(() => {
      throw new Error("boom");
    }));
    defer(task(() => seen.push("after")));
    await new Promise((r) => setImmediate(r));
  } finally {
    process.removeAllListeners("uncaughtException");
    for (const l of listeners) process.on("uncaughtException", l);
  }
  assert.deepEqual(seen, ["before", "after"]);
  assert.equal(errors.length, 1);
  assert.equal((errors[0] as Error).message, "boom");
});
