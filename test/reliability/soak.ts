// The soak: a mixed workload for a long time while RSS, heap and handle counts are sampled.
// `npm run soak [-- --minutes N]` (default 10) prints a report and exits 1 if resources grew or
// anything was lost. test/reliability/soak.test.ts runs a few seconds of the same in CI.
import { Pair1, Pub0, Pull0, Push0, Rep0, Req0, Sub0 } from "../../src/index.js";
import { spHeader } from "../../src/transport/framing.js";
import { tmpIpcUrl } from "../helpers/libnng.js";
import { expectNoLeak, handleCount, rawConnect, sleep, targetOf } from "./helpers.js";

export interface SoakSample {
  atS: number;
  rssMiB: number;
  heapMiB: number;
  handles: number;
}

export interface SoakReport {
  seconds: number;
  exchanges: number;
  pubsubDelivered: number;
  pipelineMessages: number;
  churnCycles: number;
  hostileConnections: number;
  lost: number;
  samples: SoakSample[];
  rssGrowthMiB: number;
  heapGrowthMiB: number;
  handleGrowth: number;
  leakedHandlesAfterClose: number;
  flat: boolean;
}

const gc = (globalThis as { gc?: () => void }).gc;

function sample(t0: number): SoakSample {
  gc?.();
  const m = process.memoryUsage();
  return { atS: Math.round((Date.now() - t0) / 1000), rssMiB: +(m.rss / 2 ** 20).toFixed(1), heapMiB: +(m.heapUsed / 2 ** 20).toFixed(1), handles: handleCount() };
}

export async function runSoak(opts: { seconds: number; sampleEveryMs: number; onSample?: (s: SoakSample) => void }): Promise<SoakReport> {
  const baseline = handleCount();
  const t0 = Date.now();
  const end = t0 + opts.seconds * 1000;
  let running = true;
  const r: SoakReport = {
    seconds: opts.seconds,
    exchanges: 0,
    pubsubDelivered: 0,
    pipelineMessages: 0,
    churnCycles: 0,
    hostileConnections: 0,
    lost: 0,
    samples: [],
    rssGrowthMiB: 0,
    heapGrowthMiB: 0,
    handleGrowth: 0,
    leakedHandlesAfterClose: 0,
    flat: false,
  };

  // req/rep over tcp, 50 contexts
  const rep = new Rep0();
  const req = new Req0();
  const repUrl = (await rep.listen("tcp://127.0.0.1:0")).getOption("url") as string;
  await req.dial(repUrl);
  const repLoops = Array.from({ length: 8 }, async () => {
    const c = rep.openContext();
    for (;;) {
      let m;
      try {
        m = await c.recv();
      } catch {
        return;
      }
      await c.send(m).catch(() => undefined);
    }
  });
  const reqLoops = Array.from({ length: 50 }, async (_, i) => {
    const c = req.openContext();
    for (let n = 0; running; n++) {
      const q = `c${i} n${n}`;
      try {
        await c.send(q);
        if ((await c.recv({ timeout: 10_000 })).text() === q) r.exchanges++;
        else r.lost++;
      } catch {
        if (running) r.lost++;
      }
    }
    c.close();
  });

  // pub/sub over ipc: one fast subscriber, one slow
  const pub = new Pub0();
  const fast = new Sub0();
  const slow = new Sub0();
  const pubUrl = (await pub.listen(tmpIpcUrl("soak"))).getOption("url") as string;
  for (const s of [fast, slow]) {
    s.subscribe("");
    await s.dial(pubUrl);
  }
  const pubLoop = (async () => {
    const body = new Uint8Array(1024);
    while (running) {
      for (let i = 0; i < 50; i++) await pub.send(body);
      await sleep(5);
    }
  })();
  const subLoop = (s: Sub0, pause: number) =>
    (async () => {
      for (;;) {
        try {
          await s.recv();
          r.pubsubDelivered++;
        } catch {
          return;
        }
        if (pause) await sleep(pause);
      }
    })();
  const subLoops = [subLoop(fast, 0), subLoop(slow, 10)];

  // push/pull over inproc: lossless, counted at both ends
  const push = new Push0();
  const pull = new Pull0();
  await pull.listen("inproc://soak-pipeline");
  await push.dial("inproc://soak-pipeline");
  let pushed = 0;
  const pushLoop = (async () => {
    while (running) {
      await push.send("p");
      pushed++;
      if (pushed % 100 === 0) await sleep(1);
    }
  })();
  const pullLoop = (async () => {
    for (;;) {
      try {
        await pull.recv();
        r.pipelineMessages++;
      } catch {
        return;
      }
    }
  })();

  // churn: pair1 peers come and go against a polyamorous listener; hostile peers hit the pull
  const hub = new Pair1({ polyamorous: true });
  const hubUrl = (await hub.listen("tcp://127.0.0.1:0")).getOption("url") as string;
  const hubLoop = (async () => {
    for (;;) {
      let m;
      try {
        m = await hub.recv();
      } catch {
        return;
      }
      await hub.send(m).catch(() => undefined);
    }
  })();
  const guard = new Pull0();
  guard.recvMaxSize = 1024;
  guard.setOption("negotiation-timeout", 200);
  const guardUrl = (await guard.listen("tcp://127.0.0.1:0")).getOption("url") as string;
  const churnLoop = (async () => {
    for (let i = 0; running; i++) {
      const p = new Pair1();
      try {
        await p.dial(hubUrl);
        await p.send(`hello ${i}`);
        if ((await p.recv({ timeout: 5000 })).text() === `hello ${i}`) r.churnCycles++;
        else r.lost++;
      } catch {
        if (running) r.lost++;
      } finally {
        await p.close();
      }
      const c = await rawConnect(targetOf(guardUrl));
      switch (i % 3) {
        case 0:
          c.sock.write(Buffer.from("garbage!garbage!"));
          break;
        case 1: {
          c.sock.write(spHeader(0x50));
          const pre = Buffer.alloc(8);
          pre.writeBigUInt64BE(1n << 20n);
          c.sock.write(pre); // over recv-size-max
          break;
        }
        default:
        // silent: the negotiation timeout ends it
      }
      r.hostileConnections++;
      await sleep(50);
    }
  })();

  await sleep(Math.min(2000, opts.seconds * 200));
  while (Date.now() < end) {
    const s = sample(t0);
    r.samples.push(s);
    opts.onSample?.(s);
    await sleep(Math.min(opts.sampleEveryMs, Math.max(0, end - Date.now())));
  }
  r.samples.push(sample(t0));
  running = false;
  await Promise.all([...reqLoops, pushLoop, pubLoop, churnLoop]);
  for (let i = 0; i < 100 && r.pipelineMessages < pushed; i++) await sleep(10);
  r.lost += pushed - r.pipelineMessages;
  await Promise.all([rep, req, pub, fast, slow, push, pull, hub, guard].map((s) => s.close()));
  await Promise.all([...repLoops, ...subLoops, pullLoop, hubLoop]);
  await expectNoLeak(baseline, "soak", 5000).catch(() => {
    r.leakedHandlesAfterClose = handleCount() - baseline;
  });

  // growth between the first quarter of the run (warm) and its end, by minimum of the last samples
  const warm = r.samples.slice(0, Math.max(1, Math.floor(r.samples.length / 4)));
  const tail = r.samples.slice(-Math.max(1, Math.floor(r.samples.length / 4)));
  const min = (xs: SoakSample[], k: keyof SoakSample) => Math.min(...xs.map((x) => x[k]));
  const max = (xs: SoakSample[], k: keyof SoakSample) => Math.max(...xs.map((x) => x[k]));
  r.rssGrowthMiB = +(min(tail, "rssMiB") - max(warm, "rssMiB")).toFixed(1);
  r.heapGrowthMiB = +(min(tail, "heapMiB") - max(warm, "heapMiB")).toFixed(1);
  r.handleGrowth = min(tail, "handles") - max(warm, "handles");
  r.flat = r.rssGrowthMiB <= 32 && r.heapGrowthMiB <= 16 && r.handleGrowth <= 0;
  return r;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) {
  const minutes = Number(arg("minutes") ?? 10);
  const sampleEveryMs = Number(arg("sample-seconds") ?? Math.max(1, Math.min(30, minutes * 3))) * 1000;
  console.log(`soak: ${minutes} min, a sample every ${sampleEveryMs / 1000} s${gc ? "" : " (run with --expose-gc for steadier figures)"}`);
  console.log("| t (s) | RSS MiB | heap MiB | handles |\n|---|---|---|---|");
  const r = await runSoak({ seconds: minutes * 60, sampleEveryMs, onSample: (s) => console.log(`| ${s.atS} | ${s.rssMiB} | ${s.heapMiB} | ${s.handles} |`) });
  console.log(
    `\nreq/rep exchanges ${r.exchanges}, pub/sub deliveries ${r.pubsubDelivered}, push/pull messages ${r.pipelineMessages}, ` +
      `churned pair1 peers ${r.churnCycles}, hostile connections ${r.hostileConnections}`,
  );
  console.log(
    `lost ${r.lost}, RSS growth ${r.rssGrowthMiB} MiB, heap growth ${r.heapGrowthMiB} MiB, handle growth ${r.handleGrowth}, ` +
      `handles leaked after close ${r.leakedHandlesAfterClose}: ${r.flat && r.lost === 0 && r.leakedHandlesAfterClose === 0 ? "FLAT" : "GROWING OR LOSSY"}`,
  );
  process.exit(r.flat && r.lost === 0 && r.leakedHandlesAfterClose === 0 ? 0 : 1);
}
