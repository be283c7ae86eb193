// Peers that die or go away: killed in the middle of a message, listeners closed and reopened
// under in-flight requests. (Killed and restarted libnng peers: test/socket/reconnect.test.ts and
// test/interop/reqrep.test.ts "no lost exchange".)
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, test } from "node:test";
import { Pull0, Push0, Rep0, Req0 } from "../../src/index.js";
import { freePort, tmpIpcUrl } from "../helpers/libnng.js";
import { expectNoLeak, handleCount, sleep, targetOf, until, within } from "./helpers.js";

/** A child process that sends an SP header, one whole frame and half of another, then SIGKILLs itself. */
function killedMidMessage(url: string, ipc: boolean): Promise<number | null> {
  const target = JSON.stringify(targetOf(url));
  const script = `
    const net = require("node:net");
    const s = net.connect(${target}, () => {
      const pre = (n) => { const b = Buffer.alloc(${ipc ? 9 : 8}); ${ipc ? "b[0] = 1; b.writeBigUInt64BE(BigInt(n), 1);" : "b.writeBigUInt64BE(BigInt(n), 0);"} return b; };
      s.write(Buffer.from([0, 0x53, 0x50, 0, 0, 0x50, 0, 0]));
      s.write(Buffer.concat([pre(5), Buffer.from("whole")]));
      s.write(Buffer.concat([pre(100000), Buffer.alloc(40000, 7)]), () => setTimeout(() => process.kill(process.pid, "SIGKILL"), 30));
    });`;
  const child = spawn(process.execPath, ["-e", script], { stdio: "ignore" });
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

for (const transport of ["tcp", "ipc"] as const) {
  const ipc = transport === "ipc";
  describe(`dying peers over ${transport}`, { timeout: 30_000 }, () => {
    test("a peer killed in the middle of a message: its whole messages arrive, the half one never, others unaffected", async () => {
      const baseline = handleCount();
      const pull = new Pull0();
      const push = new Push0();
      try {
        const l = await pull.listen(ipc ? tmpIpcUrl("kill") : "tcp://127.0.0.1:0");
        const url = l.getOption("url") as string;
        await push.dial(url);
        for (let round = 0; round < 3; round++) {
          const removedBefore = l.stats.disconnect;
          await within(killedMidMessage(url, ipc), 10_000, "child killed");
          // the pull holds "whole" and reads no further until it is taken (flow control, as NNG)
          assert.equal((await pull.recv({ timeout: 2000 })).text(), "whole");
          await until(() => l.stats.disconnect === removedBefore + 1, 3000, "the killed peer's pipe removed");
          await push.send(`legit ${round}`);
          assert.equal((await pull.recv({ timeout: 2000 })).text(), `legit ${round}`, "nothing of the half message");
          assert.equal(pull.stats().pipes, 1);
        }
      } finally {
        await Promise.all([push.close(), pull.close()]);
      }
      await expectNoLeak(baseline, "after the kills");
    });

    test("rep listener closed and reopened on the same address: 50 in-flight req contexts all get replies", async () => {
      const url = ipc ? tmpIpcUrl("reopen") : `tcp://127.0.0.1:${await freePort()}`;
      const req = new Req0();
      let rep = new Rep0();
      try {
        req.setOption("reconnect-time-min", 20);
        req.setOption("reconnect-time-max", 100);
        req.setOption("req:resend-time", 300);
        await rep.listen(url);
        await req.dial(url);
        const N = 50;
        const ctxs = Array.from({ length: N }, () => req.openContext());
        const replies = ctxs.map(async (c, i) => {
          await c.send(`q${i}`);
          return (await c.recv({ timeout: 15_000 })).text();
        });
        // the first rep answers 10, then goes away with the other 40 unanswered
        for (let i = 0; i < 10; i++) {
          const m = await rep.recv({ timeout: 3000 });
          m.append("!");
          await rep.send(m);
        }
        await sleep(20);
        await rep.close();
        await sleep(50);
        rep = new Rep0();
        await rep.listen(url);
        const served = (async () => {
          for (;;) {
            let m;
            try {
              m = await rep.recv();
            } catch {
              return;
            }
            m.append("!");
            await rep.send(m).catch(() => undefined);
          }
        })();
        const got = await within(Promise.all(replies), 20_000, "all replies");
        got.forEach((r, i) => assert.equal(r, `q${i}!`));
        for (const c of ctxs) c.close();
        await rep.close();
        await served;
      } finally {
        await Promise.all([req.close(), rep.close()]);
      }
    });
  });
}
