import { Ring } from "./queue.js";

/** Work to run later, in a microtask, without allocating a closure for it. */
export interface Deferred {
  runDeferred(): void;
}

// After this many tasks a drain yields, so that promise continuations queued meanwhile get their turn.
const BATCH = 256;

const tasks = new Ring<Deferred>(64);
let scheduled = false;

/**
 * Runs `task.runDeferred()` in a microtask, in FIFO order with other deferred tasks.
 * One `queueMicrotask` serves a whole batch: Node's costs an AsyncResource and a bound function
 * per call, which dominated the per-message cost of aio completions.
 */
export function defer(task: Deferred): void {
  tasks.push(task);
  if (!scheduled) {
    scheduled = true;
    queueMicrotask(drain);
  }
}

function drain(): void {
  let n = 0;
  try {
    for (let t = tasks.shift(); t !== undefined; t = tasks.shift()) {
      t.runDeferred();
      if (++n === BATCH) break;
    }
  } finally {
    // A task that throws surfaces as an uncaught error, as with queueMicrotask; the rest still run.
    if (tasks.length > 0) queueMicrotask(drain);
    else scheduled = false;
  }
}
