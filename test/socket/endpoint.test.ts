// Dialer and listener lifetimes beyond dialing: what closing an endpoint does to its pipes.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Pull0, Push0 } from "../../src/index.js";
import { tmpIpcUrl } from "../helpers/libnng.js";
import { until, within } from "../helpers/wait.js";

const addresses = {
  tcp: () => "tcp://127.0.0.1:0",
  ipc: () => tmpIpcUrl("ep"),
  inproc: () => `inproc://ep-${Math.random().toString(36).slice(2)}`,
} as const;

describe("endpoint close", () => {
  for (const [transport, address] of Object.entries(addresses)) {
    test(`${transport}: closing a listener closes the pipes it accepted, not the socket's others`, { timeout: 10_000 }, async () => {
      const pull = new Pull0();
      const push = new Push0();
      const other = new Push0();
      try {
        const doomed = await pull.listen(address());
        const kept = await pull.listen(address());
        push.setOption("reconnect-time-min", 60_000); // no redial during the test
        await push.dial(doomed.getOption("url") as string);
        await other.dial(kept.getOption("url") as string);
        await until(() => pull.pipes.length === 2, 3_000, "both pipes");
        const removed: number[] = [];
        pull.pipeNotify("rem-post", (p) => removed.push(p.id));

        await within(doomed.close(), 3_000, "listener close");

        await until(() => push.pipes.length === 0, 3_000, "the dialer side sees its pipe go");
        assert.equal(removed.length, 1);
        assert.equal(pull.pipes.length, 1);
        assert.equal(doomed.stats.disconnect, 1);
        await other.send("still here", { timeout: 2_000 });
        assert.equal((await pull.recv({ timeout: 2_000 })).text(), "still here");
      } finally {
        await Promise.all([pull.close(), push.close(), other.close()]);
      }
    });
  }
});
