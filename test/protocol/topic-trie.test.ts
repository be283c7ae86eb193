// TopicTrie: the subscription set behind sub0. Matching costs the length of the matched prefix,
// not the number of topics (checked by counting the body bytes it reads, not by timing).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TopicTrie } from "../../src/protocol/topic-trie.js";

const b = (s: string) => new TextEncoder().encode(s);

/** A body whose indexed reads are counted. */
function counted(s: string): { body: Uint8Array; reads: () => number } {
  const bytes = b(s);
  let reads = 0;
  const body = new Proxy(bytes, {
    get(target, key) {
      if (typeof key === "string" && /^\d+$/.test(key)) reads++;
      const v = Reflect.get(target, key, target) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { body, reads: () => reads };
}

describe("TopicTrie", () => {
  test("add, has, remove, size", () => {
    const t = new TopicTrie();
    assert.equal(t.add(b("abc")), true);
    assert.equal(t.add(b("abc")), false);
    assert.equal(t.add(b("ab")), true);
    assert.equal(t.size, 2);
    assert.equal(t.has(b("abc")), true);
    assert.equal(t.has(b("a")), false);
    assert.equal(t.remove(b("a")), false);
    assert.equal(t.remove(b("abcd")), false);
    assert.equal(t.remove(b("abc")), true);
    assert.equal(t.has(b("abc")), false);
    assert.equal(t.has(b("ab")), true);
    assert.equal(t.remove(b("ab")), true);
    assert.equal(t.size, 0);
    assert.equal(t.matches(b("abc")), false);
  });

  test("matches: some topic is a prefix of the body; the empty topic matches everything", () => {
    const t = new TopicTrie();
    assert.equal(t.matches(b("")), false);
    t.add(b("foo"));
    assert.equal(t.matches(b("foo")), true);
    assert.equal(t.matches(b("foobar")), true);
    assert.equal(t.matches(b("fo")), false);
    assert.equal(t.matches(b("xfoo")), false);
    t.add(new Uint8Array(0));
    assert.equal(t.matches(b("")), true);
    assert.equal(t.matches(b("anything")), true);
  });

  test("removing a topic keeps longer and shorter topics on the same branch", () => {
    const t = new TopicTrie();
    t.add(b("a"));
    t.add(b("abc"));
    t.remove(b("a"));
    assert.equal(t.matches(b("ab")), false);
    assert.equal(t.matches(b("abcd")), true);
    t.add(b("a"));
    t.remove(b("abc"));
    assert.equal(t.matches(b("abcd")), true); // via "a"
    assert.equal(t.has(b("abc")), false);
  });

  test("with 10 000 topics a match reads at most the matched prefix of the body", () => {
    const t = new TopicTrie();
    for (let i = 0; i < 10_000; i++) t.add(b(`sensor/${String(i).padStart(5, "0")}/`));
    const hit = counted("sensor/09999/temperature=21.5");
    assert.equal(t.matches(hit.body), true);
    assert.ok(hit.reads() <= "sensor/09999/".length, `read ${hit.reads()} bytes`);
    const miss = counted("sensor/1x");
    assert.equal(t.matches(miss.body), false);
    assert.ok(miss.reads() <= miss.body.length, `read ${miss.reads()} bytes`);
    const other = counted("zzz");
    assert.equal(t.matches(other.body), false);
    assert.equal(other.reads(), 1);
  });
});
