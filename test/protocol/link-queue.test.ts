import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Linked, LinkQueue } from "../../src/protocol/link-queue.js";

class Item implements Linked<Item> {
  qPrev: Item | null = null;
  qNext: Item | null = null;
  queued = false;
  constructor(readonly n: number) {}
}

function drain(q: LinkQueue<Item>): number[] {
  const out: number[] = [];
  for (let x = q.shift(); x !== undefined; x = q.shift()) out.push(x.n);
  return out;
}

describe("LinkQueue", () => {
  it("is FIFO, tracks its length and each item's queued flag", () => {
    const q = new LinkQueue<Item>();
    const items = [1, 2, 3].map((n) => new Item(n));
    for (const x of items) q.push(x);
    assert.equal(q.length, 3);
    assert.ok(items.every((x) => x.queued));
    assert.deepEqual(drain(q), [1, 2, 3]);
    assert.equal(q.length, 0);
    assert.ok(items.every((x) => !x.queued && x.qPrev === null && x.qNext === null));
    assert.equal(q.shift(), undefined);
  });

  it("removes from the head, the middle and the tail; removing an absent item is a no-op", () => {
    const q = new LinkQueue<Item>();
    const items = [1, 2, 3, 4, 5].map((n) => new Item(n));
    for (const x of items) q.push(x);
    assert.equal(q.remove(items[0]!), true);
    assert.equal(q.remove(items[2]!), true);
    assert.equal(q.remove(items[4]!), true);
    assert.equal(q.remove(items[2]!), false);
    assert.equal(q.length, 2);
    q.push(items[0]!); // back at the end
    assert.deepEqual(drain(q), [2, 4, 1]);
  });

  it("pushing an item already queued keeps its place", () => {
    const q = new LinkQueue<Item>();
    const a = new Item(1);
    const b = new Item(2);
    q.push(a);
    q.push(b);
    q.push(a);
    assert.equal(q.length, 2);
    assert.deepEqual(drain(q), [1, 2]);
  });

  it("matches an array model under random pushes, shifts and removals", () => {
    const q = new LinkQueue<Item>();
    const items = Array.from({ length: 50 }, (_, i) => new Item(i));
    let model: number[] = [];
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    for (let step = 0; step < 5000; step++) {
      const x = items[rnd(items.length)]!;
      const op = rnd(3);
      if (op === 0) {
        q.push(x);
        if (!model.includes(x.n)) model.push(x.n);
      } else if (op === 1) {
        assert.equal(q.shift()?.n, model.shift());
      } else {
        assert.equal(q.remove(x), model.includes(x.n));
        model = model.filter((n) => n !== x.n);
      }
      assert.equal(q.length, model.length);
    }
    assert.deepEqual(drain(q), model);
  });
});
