// A pipeline: a ventilator pushes tasks to workers, which push results to a sink.
// Push load-balances over ready workers; pull fair-queues results from all of them.
// Run with: node examples/pipeline.mjs
import { Pull0, Push0 } from "nngts";

const TASKS = 12;
const WORKERS = 3;

const ventilator = new Push0();
const tasksUrl = (await ventilator.listen("tcp://127.0.0.1:0")).getOption("url");
const sink = new Pull0();
const resultsUrl = (await sink.listen("tcp://127.0.0.1:0")).getOption("url");

/** A worker doubles each number it pulls and pushes the result, tagged with its id, to the sink. */
async function startWorker(id) {
  const tasks = new Pull0();
  const results = new Push0();
  await tasks.dial(tasksUrl);
  await results.dial(resultsUrl);
  const running = (async () => {
    for await (const task of tasks) await results.send(`${id}:${Number(task.text()) * 2}`);
  })(); // the loop ends when `tasks` closes
  return { close: async () => Promise.all([tasks.close(), results.close(), running]) };
}
const workers = await Promise.all(Array.from({ length: WORKERS }, (_, id) => startWorker(id)));

// Wait until every worker is connected, so that the tasks are spread over all of them.
while (ventilator.pipes.length < WORKERS) await new Promise((r) => setTimeout(r, 10));
for (let i = 0; i < TASKS; i++) await ventilator.send(String(i));

let sum = 0;
const perWorker = new Map();
for (let i = 0; i < TASKS; i++) {
  const [id, value] = (await sink.recv({ timeout: 5000 })).text().split(":");
  perWorker.set(id, (perWorker.get(id) ?? 0) + 1);
  sum += Number(value);
}
console.log("results per worker:", [...perWorker.keys()].sort().map((id) => `worker ${id}: ${perWorker.get(id)}`).join(", "));
console.log("sum of results:", sum);

await Promise.all(workers.map((w) => w.close()));
await Promise.all([ventilator.close(), sink.close()]);
console.log(`sink collected ${TASKS} results`);
