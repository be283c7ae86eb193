// The dialing side of the connection load test, run as its own process (each side needs one
// descriptor per connection): `node load-client.js <url> <connections>`. Prints "ready <ms>" once
// every pipe is up, sends one message per pipe on "send", and closes on "close" (stdin lines).
import { createInterface } from "node:readline";
import { Push0 } from "../../src/index.js";

const [url, countArg] = process.argv.slice(2);
const n = Number(countArg);
const push = new Push0();
push.setOption("reconnect-time-min", 200);
push.setOption("send-buffer", 0);

const t0 = Date.now();
const BATCH = 250;
for (let i = 0; i < n; i += BATCH) {
  const m = Math.min(BATCH, n - i);
  await Promise.all(Array.from({ length: m }, () => push.dial(url!, { nonblock: true })));
  while (push.pipes.length < i + m) await new Promise((r) => setTimeout(r, 5));
}
console.log(`ready ${Date.now() - t0} ${process.memoryUsage().rss}`);

createInterface({ input: process.stdin }).on("line", async (line) => {
  if (line === "send") {
    // one message per pipe: push round-robins over the pipes that are ready
    for (const p of push.pipes) {
      const { Message } = await import("../../src/index.js");
      const m = new Message(`from ${p.id}`);
      m.pipe = p.id;
      await push.send(m);
    }
    console.log("sent");
  } else if (line === "close") {
    await push.close();
    console.log("closed");
    process.exit(0);
  }
});
