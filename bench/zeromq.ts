// zeromq.js (v6) as a comparison, when the package happens to be installed (`npm install --no-save
// zeromq`); it is not a dependency. The same shapes as NNG's perf tools: push/pull throughput with a
// sync message, req/rep latency with untimed warm-up round trips.
import { seconds } from "../src/cli/perf-loops.js";
import type { Measurement } from "./spec.js";

/** The few parts of zeromq.js's socket API used here. */
interface ZmqSocket {
  bind(address: string): Promise<void>;
  connect(address: string): void;
  send(message: Uint8Array): Promise<void>;
  receive(): Promise<Uint8Array[]>;
  close(): void;
  readonly lastEndpoint: string | null;
}

interface ZmqModule {
  Push: new () => ZmqSocket;
  Pull: new () => ZmqSocket;
  Request: new () => ZmqSocket;
  Reply: new () => ZmqSocket;
}

function isZmqModule(v: unknown): v is ZmqModule {
  if (typeof v !== "object" || v === null) return false;
  const m = v as Record<string, unknown>;
  return ["Push", "Pull", "Request", "Reply"].every((k) => typeof m[k] === "function");
}

let loaded: Promise<ZmqModule | null> | undefined;

/** zeromq.js, or null when it is not installed (or does not load on this machine). */
export function loadZeromq(): Promise<ZmqModule | null> {
  loaded ??= (async () => {
    const name = "zeromq"; // in a variable: tsc must not resolve a package that is usually absent
    try {
      const mod: unknown = await import(name);
      return isZmqModule(mod) ? mod : null;
    } catch {
      return null;
    }
  })();
  return loaded;
}

async function zmq(): Promise<ZmqModule> {
  const m = await loadZeromq();
  if (!m) throw new Error("zeromq is not installed (npm install --no-save zeromq)");
  return m;
}

/** Binds `sock` to the tcp address of `url` (port 0: any free port) and returns the bound address. */
async function bindTo(sock: ZmqSocket, url: string): Promise<string> {
  await sock.bind(url.replace(/:0$/, ":*"));
  return sock.lastEndpoint ?? url;
}

/** local_thr: the first message is the sync; then `count` messages of `size` bytes are timed. */
export async function zmqReceive(url: string, size: number, count: number, ready: (url: string) => void): Promise<Measurement> {
  const sock = new (await zmq()).Pull();
  try {
    ready(await bindTo(sock, url));
    await sock.receive();
    const start = seconds();
    for (let i = 0; i < count; i++) {
      const [msg] = await sock.receive();
      if (msg?.length !== size) throw new Error(`wrong message size: ${msg?.length} != ${size}`);
    }
    return { seconds: seconds() - start, count };
  } finally {
    sock.close();
  }
}

/** remote_thr: an empty sync message, then `count` messages of `size` bytes; stays open until `done`. */
export async function zmqSend(url: string, size: number, count: number, done: Promise<void>): Promise<void> {
  const sock = new (await zmq()).Push();
  try {
    sock.connect(url);
    const payload = new Uint8Array(size);
    await sock.send(new Uint8Array(0));
    for (let i = 0; i < count; i++) await sock.send(payload);
    await done;
  } finally {
    sock.close();
  }
}

/** local_lat with a rep socket: answers `count` requests with themselves; stays open until `done`. */
export async function zmqServeLatency(url: string, count: number, ready: (url: string) => void, done: Promise<void>): Promise<void> {
  const sock = new (await zmq()).Reply();
  try {
    ready(await bindTo(sock, url));
    for (let i = 0; i < count; i++) {
      const [msg] = await sock.receive();
      await sock.send(msg!);
    }
    await done; // the last reply is surely out once the client reported
  } finally {
    sock.close();
  }
}

/** remote_lat with a req socket: `warmup` untimed round trips, then `count` timed ones. */
export async function zmqMeasureLatency(url: string, size: number, count: number, warmup: number): Promise<Measurement> {
  const sock = new (await zmq()).Request();
  try {
    sock.connect(url);
    await new Promise((r) => setTimeout(r, 100)); // as NNG's remote_lat when it dials
    let msg: Uint8Array = new Uint8Array(size);
    let start = seconds();
    for (let i = 0; i < warmup + count; i++) {
      if (i === warmup) start = seconds();
      await sock.send(msg);
      const [reply] = await sock.receive();
      if (reply?.length !== size) throw new Error(`wrong reply size: ${reply?.length} != ${size}`);
      msg = reply;
    }
    return { seconds: seconds() - start, count };
  } finally {
    sock.close();
  }
}
