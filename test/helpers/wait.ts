// Small bounded waits and clean-up shared by the tests.
import * as net from "node:net";
import { spHeader } from "../../src/transport/framing.js";

/** Rejects if `p` has not settled within `ms`. */
export function within<T>(p: Promise<T>, ms: number, what = "promise to settle"): Promise<T> {
  let timer: NodeJS.Timeout;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 5 ms; rejects after `ms`. */
export async function until(cond: () => boolean, ms = 3_000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** Closes every socket (or anything with an async `close`) in parallel. */
export async function closeAll(...socks: { close(): Promise<void> }[]): Promise<void> {
  await Promise.all(socks.map((s) => s.close()));
}

/** One turn of the event loop (lets sockets write and read). */
export const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * A raw TCP peer that completes the SP handshake as protocol `proto` and then never reads
 * (the slowest possible subscriber). `write` sends raw bytes; `destroy` ends it.
 */
export async function silentPeer(port: number, proto: number): Promise<net.Socket> {
  const sock = net.connect({ host: "127.0.0.1", port });
  sock.on("error", () => {});
  await within(new Promise<void>((r) => sock.once("connect", () => r())), 2_000, "connect");
  sock.write(spHeader(proto));
  // Read the 8-byte header, then stop reading for good.
  await within(
    new Promise<void>((r) => {
      let got = 0;
      const onData = (b: Buffer) => {
        got += b.length;
        if (got >= 8) {
          sock.off("data", onData);
          sock.pause();
          r();
        }
      };
      sock.on("data", onData);
    }),
    2_000,
    "SP header",
  );
  return sock;
}
