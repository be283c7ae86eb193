// recv-size-max at and over the limit, from nngts and from libnng, and length prefixes that claim
// more than will ever arrive: nothing is allocated from a prefix, only the bytes that came.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { Pair0, Pull0, Push0 } from "../../src/index.js";
import { FrameDecoder, spHeader } from "../../src/transport/framing.js";
import { haveLibnng, killAllChildren, runNngcat, tmpIpcUrl } from "../helpers/libnng.js";
import { rawConnect, sleep, targetOf, until, within } from "./helpers.js";

const MAX = 64 * 1024;

function prefix(length: bigint, ipc: boolean): Uint8Array {
  const out = new Uint8Array(ipc ? 9 : 8);
  if (ipc) out[0] = 1;
  new DataView(out.buffer).setBigUint64(ipc ? 1 : 0, length);
  return out;
}

describe("message size limits", { timeout: 60_000 }, () => {
  after(() => killAllChildren());

  for (const transport of ["tcp", "ipc"] as const) {
    const ipc = transport === "ipc";
    const addr = () => (ipc ? tmpIpcUrl("sz") : "tcp://127.0.0.1:0");

    test(`${transport}: a message of exactly recv-size-max passes, one byte more closes only that pipe`, async () => {
      const pull = new Pull0();
      const big = new Push0();
      const small = new Push0();
      try {
        pull.recvMaxSize = MAX;
        const l = await pull.listen(addr());
        const url = l.getOption("url") as string;
        big.setOption("reconnect-time-min", 5000); // no redial during the test
        await big.dial(url);
        await small.dial(url);
        await until(() => pull.stats().pipes === 2, 3000, "two pipes");
        await big.send(new Uint8Array(MAX).fill(1));
        const m = await pull.recv({ timeout: 3000 });
        assert.equal(m.length, MAX);
        await big.send(new Uint8Array(MAX + 1).fill(2));
        await until(() => pull.stats().counters["rx-oversize"] === 1, 3000, "oversize counted");
        assert.equal(pull.stats().pipes, 1);
        await small.send("still here");
        assert.equal((await pull.recv({ timeout: 3000 })).text(), "still here");
        await assert.rejects(pull.recv({ nonblock: true }), { code: "EAGAIN" }, "the oversized message was never delivered");
      } finally {
        await Promise.all([pull.close(), big.close(), small.close()]);
      }
    });

    test(`${transport}: a 2^63 length prefix with recv-size-max 0 is refused at once (EMSGSIZE), nothing allocated`, async () => {
      const pair = new Pair0();
      try {
        assert.equal(pair.recvMaxSize, 0);
        const l = await pair.listen(addr());
        const c = await rawConnect(targetOf(l.getOption("url") as string));
        c.sock.write(spHeader(0x10));
        c.sock.write(prefix(1n << 63n, ipc));
        await within(c.closed, 3000, "closed at the prefix");
        await until(() => pair.stats().counters["rx-oversize"] === 1, 3000, "counted");
      } finally {
        await pair.close();
      }
    });

    test(`${transport}: a 2^40 length prefix (under 2^53) with recv-size-max 0 allocates only what arrives`, async () => {
      const pair = new Pair0();
      try {
        const l = await pair.listen(addr());
        const c = await rawConnect(targetOf(l.getOption("url") as string));
        c.sock.write(spHeader(0x10));
        await until(() => pair.stats().pipes === 1, 3000, "pipe");
        const before = process.memoryUsage().arrayBuffers;
        c.sock.write(prefix(1n << 40n, ipc));
        c.sock.write(new Uint8Array(1000));
        await sleep(100);
        const grown = process.memoryUsage().arrayBuffers - before;
        assert.ok(grown < 8 * 1024 * 1024, `array buffers grew ${grown} bytes for a frame claiming 1 TiB`);
        assert.equal(pair.stats().pipes, 1, "the pipe waits for the rest");
        c.sock.destroy();
        await until(() => pair.stats().pipes === 0, 3000, "pipe gone when the peer leaves");
        await assert.rejects(pair.recv({ nonblock: true }), { code: "EAGAIN" });
      } finally {
        await pair.close();
      }
    });

    if (haveLibnng) {
      test(`${transport}: libnng (nngcat) sending over recv-size-max is cut off; at the limit passes`, { timeout: 15_000 }, async () => {
        const pull = new Pull0();
        try {
          pull.recvMaxSize = 1000;
          const l = await pull.listen(addr());
          const url = l.getOption("url") as string;
          await runNngcat(["--push0", "--dial", url, "--data", "x".repeat(1000), "--delay", "0"], { timeoutMs: 5000 });
          assert.equal((await pull.recv({ timeout: 3000 })).length, 1000);
          await runNngcat(["--push0", "--dial", url, "--data", "y".repeat(1001)], { timeoutMs: 5000 });
          await until(() => pull.stats().counters["rx-oversize"] === 1, 3000, "oversize counted");
          await assert.rejects(pull.recv({ nonblock: true }), { code: "EAGAIN" });
        } finally {
          await pull.close();
        }
      });
    }
  }

  test("the frame decoder keeps only the bytes it was given for a frame claiming 2^52 bytes", () => {
    const dec = new FrameDecoder(false, 0, () => assert.fail("nothing is complete"), (e) => assert.fail(String(e)));
    dec.push(prefix(1n << 52n, false));
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 100; i++) dec.push(new Uint8Array(1024));
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.ok(grown < 4 * 1024 * 1024, `grew ${grown} bytes`);
  });
});
