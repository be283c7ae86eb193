interface TrieNode {
  /** Children by next byte; null while the node is a leaf. */
  next: Map<number, TrieNode> | null;
  /** A subscribed topic ends here. */
  end: boolean;
}

function newNode(): TrieNode {
  return { next: null, end: false };
}

/**
 * A set of byte-string topics answering "is some topic a prefix of this body?" by walking the body
 * along a byte trie: the cost is the length of the matched prefix, whatever the number of topics.
 */
export class TopicTrie {
  private readonly root: TrieNode = newNode();
  private count = 0;

  /** How many topics are held. */
  get size(): number {
    return this.count;
  }

  /** Adds `topic`; false if it was already there. */
  add(topic: Uint8Array): boolean {
    let node = this.root;
    for (let i = 0; i < topic.length; i++) {
      const byte = topic[i]!;
      const next = (node.next ??= new Map());
      let child = next.get(byte);
      if (child === undefined) {
        child = newNode();
        next.set(byte, child);
      }
      node = child;
    }
    if (node.end) return false;
    node.end = true;
    this.count++;
    return true;
  }

  /** Removes `topic` and the branch only it used; false if it was not there. */
  remove(topic: Uint8Array): boolean {
    const path: TrieNode[] = [this.root];
    let node = this.root;
    for (let i = 0; i < topic.length; i++) {
      const child = node.next?.get(topic[i]!);
      if (child === undefined) return false;
      node = child;
      path.push(node);
    }
    if (!node.end) return false;
    node.end = false;
    this.count--;
    for (let i = topic.length; i > 0; i--) {
      const n = path[i]!;
      if (n.end || (n.next !== null && n.next.size > 0)) break;
      const parent = path[i - 1]!;
      parent.next!.delete(topic[i - 1]!);
      if (parent.next!.size === 0) parent.next = null;
    }
    return true;
  }

  has(topic: Uint8Array): boolean {
    let node: TrieNode | undefined = this.root;
    for (let i = 0; i < topic.length && node !== undefined; i++) node = node.next?.get(topic[i]!);
    return node !== undefined && node.end;
  }

  /** True when some topic is a prefix of `body` (the empty topic matches everything). */
  matches(body: Uint8Array): boolean {
    let node = this.root;
    if (node.end) return true;
    for (let i = 0; i < body.length; i++) {
      const next = node.next;
      if (next === null) return false;
      const child = next.get(body[i]!);
      if (child === undefined) return false;
      if (child.end) return true;
      node = child;
    }
    return false;
  }
}
