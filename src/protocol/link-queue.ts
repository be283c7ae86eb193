/** What an item of a LinkQueue carries: the queue's links live in the item (no allocation). */
export interface Linked<T> {
  qPrev: T | null;
  qNext: T | null;
  /** True while the item is on its queue. */
  queued: boolean;
}

/**
 * A FIFO of contexts with O(1) removal from anywhere: cancelling one of thousands of waiting
 * contexts, or closing a socket with all of them waiting, must not cost a scan per context.
 * An item is on at most one LinkQueue at a time.
 */
export class LinkQueue<T extends Linked<T>> {
  private head: T | null = null;
  private tail: T | null = null;
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    if (item.queued) return;
    item.qPrev = this.tail;
    item.qNext = null;
    if (this.tail !== null) this.tail.qNext = item;
    else this.head = item;
    this.tail = item;
    item.queued = true;
    this.count++;
  }

  shift(): T | undefined {
    const item = this.head;
    if (item === null) return undefined;
    this.remove(item);
    return item;
  }

  remove(item: T): boolean {
    if (!item.queued) return false;
    const { qPrev: prev, qNext: next } = item;
    if (prev !== null) prev.qNext = next;
    else this.head = next;
    if (next !== null) next.qPrev = prev;
    else this.tail = prev;
    item.qPrev = item.qNext = null;
    item.queued = false;
    this.count--;
    return true;
  }
}
