import { type Aio, effectiveTimeout } from "../core/aio.js";
import { NngError } from "../core/errors.js";
import type { Message } from "../core/message.js";
import { Ring } from "../core/queue.js";
import type { Pipe } from "../socket/pipe.js";

/**
 * Messages received and not yet taken, with the receive operations waiting for them.
 * Bounded by `capacity` (recv-buffer): once full, the pipe that delivered stops reading until
 * there is room again, so a slow consumer pushes back on the sender instead of growing memory.
 */
export class RecvQueue {
  private readonly msgs = new Ring<Message>();
  private readonly waiters = new Ring<Aio>();
  private readonly paused = new Ring<Pipe>();
  private closed = false;
  /** Called when a message was taken or the queue grew, i.e. when there may be room again. */
  onSpace: (() => void) | null = null;

  constructor(public capacity: number) {}

  get length(): number {
    return this.msgs.length;
  }

  /** True when a new message would find neither a waiting receive nor room (lossy delivery would drop). */
  get full(): boolean {
    return this.waiters.length === 0 && this.msgs.length >= Math.max(1, this.capacity);
  }

  /** Hands `msg` to a waiting receive, or queues it (pausing `pipe` when the queue is full). */
  deliver(msg: Message, pipe: Pipe | null): void {
    if (this.closed) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter.msg = msg;
      waiter.finish(0);
      return;
    }
    this.msgs.push(msg);
    if (pipe && this.msgs.length >= this.capacity && !pipe.closed) {
      pipe.pause();
      this.paused.push(pipe);
    }
  }

  /** Like `deliver`, but never pushes back: a full queue drops its oldest (or the new message). */
  deliverLossy(msg: Message, dropNewest: boolean): boolean {
    if (this.closed) return false;
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter.msg = msg;
      waiter.finish(0);
      return true;
    }
    if (this.msgs.length >= Math.max(1, this.capacity)) {
      if (dropNewest) return false;
      this.msgs.shift();
      this.msgs.push(msg);
      return false;
    }
    this.msgs.push(msg);
    return true;
  }

  /** `defaultTimeout`: the socket's timeout, or a function giving it (read only when the aio must wait). */
  recv(aio: Aio, defaultTimeout: number | (() => number)): void {
    if (this.msgs.length > 0) {
      if (!aio.begin(null, -1)) return;
      aio.msg = this.msgs.shift()!;
      aio.finish(0);
      this.resumePipes();
      this.onSpace?.();
      return;
    }
    if (this.closed) {
      aio.begin(null, -1);
      aio.finish(new NngError("ECLOSED"));
      return;
    }
    if (!aio.begin(cancelRecv, effectiveTimeout(aio, typeof defaultTimeout === "number" ? defaultTimeout : defaultTimeout()))) return;
    aio.owner = this;
    this.waiters.push(aio);
    this.onSpace?.();
  }

  /** Removes queued messages for which `keep` is false (e.g. after an unsubscribe). */
  filter(keep: (msg: Message) => boolean): void {
    const all = this.msgs.drain();
    for (const m of all) if (keep(m)) this.msgs.push(m);
    this.resumePipes();
    this.onSpace?.();
  }

  setCapacity(capacity: number): void {
    this.capacity = capacity;
    this.resumePipes();
    this.onSpace?.();
  }

  removePipe(pipe: Pipe): void {
    this.paused.remove(pipe);
  }

  /** Ends every waiting receive with `err` (ECLOSED when the socket or context closes). */
  close(err: NngError = new NngError("ECLOSED")): void {
    this.closed = true;
    for (const aio of this.waiters.drain()) aio.finish(err);
    this.msgs.drain();
    this.paused.drain();
  }

  /** Ends waiting receives without closing the queue. */
  failWaiters(err: NngError): void {
    for (const aio of this.waiters.drain()) aio.finish(err);
  }

  /** @internal */
  unlink(aio: Aio): void {
    this.waiters.remove(aio);
  }

  private resumePipes(): void {
    // Resume at half capacity rather than at the first free slot: pausing and resuming a pipe per
    // message showed in profiles, and the queue stays bounded either way.
    while (this.paused.length > 0 && this.msgs.length <= this.capacity >> 1) {
      const pipe = this.paused.shift()!;
      if (!pipe.closed) pipe.resume();
    }
  }
}

function cancelRecv(aio: Aio, err: NngError): void {
  (aio.owner as RecvQueue | null)?.unlink(aio);
  aio.finish(err);
}
