import { type Aio, effectiveTimeout } from "../core/aio.js";
import { NngError } from "../core/errors.js";
import type { Message } from "../core/message.js";
import { Ring } from "../core/queue.js";
import type { Pipe } from "../socket/pipe.js";

/**
 * Load-balances messages over the pipes that can take one now (round robin), buffering up to
 * `capacity` (send-buffer) accepted messages, with senders waiting when neither is possible.
 * A send succeeds the moment a pipe or the buffer takes its message.
 */
export class SendQueue {
  private readonly ready = new Ring<Pipe>();
  private readonly buffered = new Ring<Message>();
  private readonly waiters = new Ring<Aio>();
  private closed = false;

  constructor(
    public capacity: number,
    /** Last touch before a message goes to a pipe (e.g. pair1's hop count). */
    private readonly prepare: ((msg: Message) => void) | null = null,
  ) {}

  /** True when a send would complete at once. */
  get writable(): boolean {
    return this.ready.length > 0 || this.buffered.length < this.capacity;
  }

  /** `defaultTimeout`: the socket's timeout, or a function giving it (read only when the aio must wait). */
  send(aio: Aio, defaultTimeout: number | (() => number)): void {
    const msg = aio.msg!;
    if (this.buffered.length === 0) {
      const pipe = this.ready.shift();
      if (pipe) {
        if (!aio.begin(null, -1)) {
          this.ready.unshift(pipe);
          return;
        }
        aio.msg = null;
        this.put(pipe, msg);
        aio.finish(0);
        return;
      }
    }
    if (this.buffered.length < this.capacity) {
      if (!aio.begin(null, -1)) return;
      aio.msg = null;
      this.buffered.push(msg);
      aio.finish(0);
      return;
    }
    if (this.closed) {
      aio.begin(null, -1);
      aio.finish(new NngError("ECLOSED"));
      return;
    }
    if (!aio.begin(cancelSend, effectiveTimeout(aio, typeof defaultTimeout === "number" ? defaultTimeout : defaultTimeout()))) return;
    aio.owner = this;
    this.waiters.push(aio);
  }

  /** A pipe joined or drained: it can take a message. */
  pipeReady(pipe: Pipe): void {
    if (this.closed || pipe.closed) return;
    this.ready.push(pipe);
    this.pump();
  }

  removePipe(pipe: Pipe): void {
    this.ready.remove(pipe);
  }

  setCapacity(capacity: number): void {
    this.capacity = capacity;
    this.refill();
  }

  close(): void {
    this.closed = true;
    for (const aio of this.waiters.drain()) aio.finish(new NngError("ECLOSED"));
    this.buffered.drain();
    this.ready.drain();
  }

  /** @internal */
  unlink(aio: Aio): void {
    this.waiters.remove(aio);
  }

  private put(pipe: Pipe, msg: Message): void {
    this.prepare?.(msg);
    if (pipe.send(msg)) this.ready.push(pipe);
  }

  private pump(): void {
    while (this.ready.length > 0) {
      let msg = this.buffered.shift();
      if (msg === undefined) {
        const aio = this.waiters.shift();
        if (!aio) break;
        msg = aio.msg!;
        aio.msg = null;
        aio.finish(0);
      }
      this.put(this.ready.shift()!, msg);
    }
    this.refill();
  }

  /** Moves waiting senders into free buffer space. */
  private refill(): void {
    while (this.buffered.length < this.capacity && this.waiters.length > 0) {
      const aio = this.waiters.shift()!;
      this.buffered.push(aio.msg!);
      aio.msg = null;
      aio.finish(0);
    }
  }
}

function cancelSend(aio: Aio, err: NngError): void {
  (aio.owner as SendQueue | null)?.unlink(aio);
  aio.finish(err);
}
