// The nngts side of the req/rep-with-contexts measurement: a rep server answering with N contexts,
// and a req client keeping N requests in flight (one per context), each reply sent back as the next request.
import { Aio, type Context, Message, Rep0, Req0 } from "../src/index.js";
import type { Measurement } from "./spec.js";

function seconds(): number {
  return performance.now() / 1000;
}

/** Answers every request with its own message, on `contexts` rep contexts, until the socket closes. */
export function serveContexts(rep: Rep0, contexts: number): void {
  for (let i = 0; i < contexts; i++) {
    const ctx = rep.openContext();
    let sending = false;
    // One Aio and one callback per context, reused for every request it serves.
    const aio = new Aio((a) => {
      if (a.result !== 0) return; // closed
      sending = !sending;
      if (sending) ctx.sendAio(a);
      else ctx.recvAio(a);
    });
    aio.timeout = -1;
    ctx.recvAio(aio);
  }
}

/**
 * `count` request/reply exchanges of `size` bytes with `contexts` req contexts each keeping one
 * request in flight. requests/s = count / seconds; mean round trip = seconds × contexts / count.
 */
export function measureContexts(req: Req0, size: number, count: number, contexts: number): Promise<Measurement> {
  return new Promise<Measurement>((resolve, reject) => {
    let started = 0;
    let done = 0;
    let failed = false;
    const start = seconds();
    const run = (ctx: Context): void => {
      let sending = true;
      const aio = new Aio((a) => {
        if (failed) return;
        if (a.result !== 0) {
          failed = true;
          return reject(a.result);
        }
        if (sending) {
          sending = false;
          ctx.recvAio(a);
          return;
        }
        if (a.msg!.length !== size) {
          failed = true;
          return reject(new Error(`wrong reply size: ${a.msg!.length} != ${size}`));
        }
        if (++done === count) return resolve({ seconds: seconds() - start, count });
        if (started === count) return;
        started++;
        sending = true;
        ctx.sendAio(a); // the reply goes back as the next request
      });
      aio.timeout = -1;
      aio.msg = new Message(size);
      started++;
      ctx.sendAio(aio);
    };
    for (let i = 0; i < contexts && started < count; i++) run(req.openContext());
  });
}

/** Both ends in this process over inproc; the client's measurement. */
export async function inprocContexts(size: number, count: number, contexts: number): Promise<Measurement> {
  const url = `inproc://bench-rr-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const rep = new Rep0();
  const req = new Req0();
  try {
    await rep.listen(url);
    serveContexts(rep, contexts);
    await req.dial(url);
    return await measureContexts(req, size, count, contexts);
  } finally {
    await req.close();
    await rep.close();
  }
}
