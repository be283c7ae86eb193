import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Ring } from "../../src/core/queue.js";

describe("Ring", () => {
  it("is FIFO across growth and wrap-around", () => {
    const r = new Ring<number>(2);
    const expected: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 7; i++) {
        r.push(next);
        expected.push(next++);
      }
      for (let i = 0; i < 5; i++) assert.equal(r.shift(), expected.shift());
    }
    assert.equal(r.length, expected.length);
    assert.deepEqual([...r], expected);
    assert.deepEqual(r.drain(), expected);
    assert.equal(r.length, 0);
    assert.equal(r.shift(), undefined);
    assert.equal(r.peek(), undefined);
  });

  it("unshift puts an item in front; remove takes one out of the middle", () => {
    const r = new Ring<string>(4);
    r.push("b");
    r.push("c");
    r.unshift("a");
    r.push("d");
    r.push("e"); // grows
    assert.equal(r.peek(), "a");
    assert.equal(r.remove("c"), true);
    assert.equal(r.remove("zz"), false);
    assert.deepEqual(r.drain(), ["a", "b", "d", "e"]);
  });
});
