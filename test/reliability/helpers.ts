// Shared by the fault, load and soak tests: bounded waits and leak checks on Node's handles.
import * as net from "node:net";

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Polls `cond` every 10 ms; fails after `ms`. */
export async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** Live libuv resources by kind (TCPSocketWrap, TCPServerWrap, PipeWrap, Timeout, ...). */
export function resources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

const HANDLE_KINDS = ["TCPSocketWrap", "TCPServerWrap", "PipeWrap", "PipeServerWrap", "Timeout"];

/** Handles of the kinds a socket could leak, summed. */
export function handleCount(): number {
  const r = resources();
  return HANDLE_KINDS.reduce((n, k) => n + (r[k] ?? 0), 0);
}

/** Waits until no more handles than `baseline` are alive (closing handles take a turn or two). */
export async function expectNoLeak(baseline: number, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (handleCount() > baseline) {
    if (Date.now() > end) throw new Error(`${what}: ${handleCount() - baseline} handle(s) leaked: ${JSON.stringify(resources())}`);
    await sleep(20);
  }
}

export interface RawClient {
  sock: net.Socket;
  received(): Buffer;
  closed: Promise<void>;
}

/** A plain net client (a hostile or broken peer speaking bytes, not SP). */
export function rawConnect(target: net.NetConnectOpts): Promise<RawClient> {
  return within(
    new Promise<RawClient>((resolve, reject) => {
      const sock = net.connect(target);
      const chunks: Buffer[] = [];
      sock.on("data", (b: Buffer) => chunks.push(b));
      sock.on("error", () => {});
      const closed = new Promise<void>((r) => sock.once("close", () => r()));
      sock.once("connect", () => resolve({ sock, received: () => Buffer.concat(chunks), closed }));
      sock.once("error", reject);
    }),
    3_000,
    "raw connect",
  );
}

/** net.connect options for an nngts listener's url. */
export function targetOf(url: string): net.NetConnectOpts {
  if (url.startsWith("ipc://")) return { path: url.slice(6) };
  const m = /^tcp:\/\/(.*):(\d+)$/.exec(url);
  if (!m) throw new Error(`no target for ${url}`);
  return { host: m[1]!.replace(/^\[|\]$/g, ""), port: Number(m[2]) };
}
