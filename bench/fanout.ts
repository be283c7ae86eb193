// Pub/sub fan-out: one publisher, N subscribers (all subscribed to everything). The publisher sends
// COUNT messages in bursts of BURST (one turn of the event loop between bursts, so its sockets can
// write); every subscriber counts what reaches it. pub never waits, so what a subscriber cannot take
// in time is dropped (the pub's per-pipe queue, then the sub's recv queue, each dropping its oldest).
// Both drop the oldest, so the last message always arrives: each subscriber is done when it has it.
import { Aio, Message, Pub0, Sub0 } from "../src/index.js";
import { seconds } from "./nngts.js";
import type { Measurement } from "./spec.js";

/** Messages per burst: pub's default send-buffer, so a subscriber that keeps up loses nothing. */
export const BURST = 16;

function writeSeq(body: Uint8Array, seq: number): void {
  body[0] = seq >>> 24;
  body[1] = seq >>> 16;
  body[2] = seq >>> 8;
  body[3] = seq;
}

function readSeq(body: Uint8Array): number {
  return ((body[0]! << 24) | (body[1]! << 16) | (body[2]! << 8) | body[3]!) >>> 0;
}

/** Opens the publisher; it is ready once `subscribers` pipes are attached. */
export function fanoutPublisher(): Pub0 {
  return new Pub0();
}

export async function waitForSubscribers(pub: Pub0, subscribers: number, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (pub.stats().pipes < subscribers) {
    if (Date.now() > end) throw new Error(`only ${pub.stats().pipes}/${subscribers} subscribers connected`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Publishes `count` messages of `size` (>= 4) bytes, numbered 0..count-1; resolves with the seconds it took. */
export function publish(pub: Pub0, size: number, count: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let sent = 0;
    const start = seconds();
    const next = (): void => {
      const m = new Message(size);
      writeSeq(m.body, sent);
      aio.msg = m;
      pub.sendAio(aio);
    };
    const aio = new Aio((a) => {
      if (a.result !== 0) return reject(a.result);
      if (++sent === count) return resolve(seconds() - start);
      if (sent % BURST === 0) setImmediate(next);
      else next();
    });
    next();
  });
}

/** N subscribers receiving everything. */
export function fanoutSubscribers(n: number): Sub0[] {
  return Array.from({ length: n }, () => {
    const s = new Sub0();
    s.subscribe("");
    return s;
  });
}

/**
 * Counts what every subscriber receives until each has message `count - 1`. The clock runs from
 * the first message any subscriber gets to the last subscriber's last message.
 */
export function countDeliveries(subs: Sub0[], count: number): Promise<Measurement> {
  return new Promise<Measurement>((resolve, reject) => {
    let start = 0;
    let delivered = 0;
    let finished = 0;
    for (const sub of subs) {
      const aio = new Aio((a) => {
        if (a.result !== 0) return reject(a.result);
        if (start === 0) start = seconds();
        delivered++;
        const last = readSeq(a.msg!.body) === count - 1;
        a.msg = null;
        if (!last) return sub.recvAio(a);
        if (++finished === subs.length) resolve({ seconds: seconds() - start, count: delivered, offered: count * subs.length });
      });
      aio.timeout = -1;
      sub.recvAio(aio);
    }
  });
}

/** The whole case in one process over inproc; publisher's seconds in `pubSeconds`. */
export async function inprocFanout(size: number, count: number, subscribers: number): Promise<Measurement> {
  const url = `inproc://bench-fanout-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const pub = fanoutPublisher();
  const subs = fanoutSubscribers(subscribers);
  try {
    await pub.listen(url);
    for (const s of subs) await s.dial(url);
    await waitForSubscribers(pub, subscribers);
    const counting = countDeliveries(subs, count);
    const pubSeconds = await publish(pub, size, count);
    const m = await counting;
    return { ...m, pubSeconds };
  } finally {
    await pub.close();
    await Promise.all(subs.map((s) => s.close()));
  }
}
