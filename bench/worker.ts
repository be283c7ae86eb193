// A benchmark child process: `node dist/bench/worker.js '<WorkerSpec JSON>'`.
// Prints "ready <url>" once listening, "result <Measurement JSON>" when it measured, "error <text>" on failure.
// Roles that measure nothing stay connected until stdin closes (the orchestrator's signal).
import { Message, Pull0, Push0, Rep0, Req0, type Socket } from "../src/index.js";
import { inprocContexts, measureContexts, serveContexts } from "./contexts.js";
import { ceilingMeasureLatency, ceilingReceive, ceilingSend, ceilingServeLatency } from "./ceiling.js";
import {
  inprocLatency,
  inprocThroughput,
  measureLatency,
  openSocket,
  receiveFanout,
  receiveThroughput,
  sendThroughput,
  serveLatency,
  stalledSend,
  thrReceiverSocket,
  thrSenderSocket,
} from "./nngts.js";
import { countDeliveries, fanoutPublisher, fanoutSubscribers, inprocFanout, publish, waitForSubscribers } from "./fanout.js";
import { type Measurement, READY, RESULT, type TlsFiles, type WorkerSpec } from "./spec.js";
import { zmqMeasureLatency, zmqReceive, zmqSend, zmqServeLatency } from "./zeromq.js";

// Safety net: no worker outlives a stuck orchestrator.
const MAX_LIFETIME_MS = 120_000;

function ready(url: string): void {
  process.stdout.write(`${READY} ${url}\n`);
}

function report(m: Measurement): void {
  process.stdout.write(`${RESULT} ${JSON.stringify(m)}\n`);
}

function inputClosed(): Promise<void> {
  return new Promise((resolve) => {
    process.stdin.on("end", resolve);
    process.stdin.on("close", resolve);
    process.stdin.resume();
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function listenOn(sock: Socket, url: string, tls?: TlsFiles): Promise<void> {
  const l = sock.createListener(url);
  if (tls) l.setOption("tls-cert-key-file", tls.certKeyFile);
  await l.start();
  ready(String(l.getOption("url")));
}

async function dialTo(sock: Socket, url: string, tls?: TlsFiles): Promise<void> {
  const d = sock.createDialer(url);
  if (tls) d.setOption("tls-ca-file", tls.caFile);
  await d.start();
}

async function runNngts(spec: Extract<WorkerSpec, { impl: "nngts" }>): Promise<void> {
  switch (spec.role) {
    case "thr-inproc":
      return report(await inprocThroughput(spec.proto, spec.size, spec.count, spec.api));
    case "lat-inproc":
      return report(await inprocLatency(spec.proto, spec.size, spec.count, spec.warmup));
    case "fanout-inproc":
      return report(await inprocFanout(spec.size, spec.count, spec.subscribers));
    case "fanout-pub": {
      const pub = fanoutPublisher();
      await listenOn(pub, spec.url);
      await waitForSubscribers(pub, spec.subscribers);
      const pubSeconds = await publish(pub, spec.size, spec.count);
      report({ seconds: pubSeconds, count: spec.count });
      await inputClosed(); // the subscribers are still draining
      return pub.close();
    }
    case "fanout-subs": {
      const subs = fanoutSubscribers(spec.subscribers);
      for (const s of subs) await s.dial(spec.url);
      const m = await countDeliveries(subs, spec.count);
      await Promise.all(subs.map((s) => s.close()));
      return report(m);
    }
    case "thr-recv": {
      if (spec.peers) {
        // Many pulls, each listening on its own address; the sender dials them all.
        const socks = await Promise.all(Array.from({ length: spec.peers }, () => thrReceiverSocket(spec.proto)));
        const urls = [];
        for (const [i, sock] of socks.entries()) {
          const l = await sock.listen(spec.url.startsWith("ipc://") ? `${spec.url}.${i}` : spec.url);
          urls.push(String(l.getOption("url")));
        }
        ready(urls.join(" "));
        const m = await receiveFanout(socks, spec.size, spec.count);
        await Promise.all(socks.map((s) => s.close()));
        return report(m);
      }
      const sock = await thrReceiverSocket(spec.proto);
      await listenOn(sock, spec.url, spec.tls);
      const m = await receiveThroughput(sock, spec.size, spec.count, spec.api);
      // As NNG's local_thr: a completion message tells a pair sender it may stop.
      if (spec.proto === "pair1") await sock.send(new Message(0), { timeout: 500 }).catch(() => {});
      await sock.close();
      return report(m);
    }
    case "thr-send": {
      const sock = await thrSenderSocket(spec.proto);
      const urls = spec.url.split(" ");
      await Promise.all(urls.map((u) => dialTo(sock, u, spec.tls)));
      await sendThroughput(sock, spec.size, spec.count, spec.api, urls.length);
      await inputClosed();
      return sock.close();
    }
    case "mem-recv": {
      // Takes 128 messages (its recv-buffer), then never reads again.
      const sock = new Pull0();
      sock.setOption("recv-buffer", 128);
      await listenOn(sock, spec.url);
      await inputClosed();
      return sock.close();
    }
    case "mem-send": {
      const sock = new Push0();
      sock.setOption("send-buffer", 128);
      await sock.dial(spec.url);
      const m = await stalledSend(sock, spec.size, spec.ms);
      report(m);
      return sock.close();
    }
    case "lat-server": {
      const sock = await openSocket(spec.proto, "listener");
      await listenOn(sock, spec.url, spec.tls);
      await serveLatency(sock, spec.warmup + spec.count);
      await inputClosed(); // the last reply is surely out once the client reported
      return sock.close();
    }
    case "rr-inproc":
      return report(await inprocContexts(spec.size, spec.count, spec.contexts));
    case "rr-server": {
      const sock = new Rep0();
      await listenOn(sock, spec.url);
      serveContexts(sock, spec.contexts);
      await inputClosed();
      return sock.close();
    }
    case "rr-client": {
      const sock = new Req0();
      await sock.dial(spec.url);
      await sleep(100);
      const m = await measureContexts(sock, spec.size, spec.count, spec.contexts);
      await sock.close();
      return report(m);
    }
    case "lat-client": {
      const sock = await openSocket(spec.proto, "dialer");
      await dialTo(sock, spec.url, spec.tls);
      await sleep(100); // as NNG's remote_lat when it dials
      await measureLatency(sock, spec.size, spec.warmup);
      const m = await measureLatency(sock, spec.size, spec.count);
      await sock.close();
      return report(m);
    }
  }
}

async function runCeiling(spec: Extract<WorkerSpec, { impl: "ceiling" }>): Promise<void> {
  switch (spec.role) {
    case "thr-recv":
      return report(await ceilingReceive(spec.ipc, spec.url, spec.size, spec.count, ready));
    case "thr-send":
      return ceilingSend(spec.ipc, spec.url, spec.size, spec.count);
    case "lat-server":
      return ceilingServeLatency(spec.ipc, spec.url, spec.warmup + spec.count, ready);
    case "lat-client":
      return report(await ceilingMeasureLatency(spec.ipc, spec.url, spec.size, spec.count, spec.warmup));
  }
}

async function runZeromq(spec: Extract<WorkerSpec, { impl: "zeromq" }>): Promise<void> {
  switch (spec.role) {
    case "thr-recv":
      return report(await zmqReceive(spec.url, spec.size, spec.count, ready));
    case "thr-send":
      return zmqSend(spec.url, spec.size, spec.count, inputClosed());
    case "lat-server":
      return zmqServeLatency(spec.url, spec.warmup + spec.count, ready, inputClosed());
    case "lat-client":
      return report(await zmqMeasureLatency(spec.url, spec.size, spec.count, spec.warmup));
  }
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? "") as WorkerSpec;
  setTimeout(() => {
    process.stdout.write(`error worker still running after ${MAX_LIFETIME_MS} ms\n`);
    process.exit(1);
  }, MAX_LIFETIME_MS).unref();
  if (spec.impl === "nngts") await runNngts(spec);
  else if (spec.impl === "zeromq") await runZeromq(spec);
  else await runCeiling(spec);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stdout.write(`error ${String(e instanceof Error ? (e.stack ?? e.message) : e).replace(/\n/g, " | ")}\n`);
    process.exit(1);
  },
);
