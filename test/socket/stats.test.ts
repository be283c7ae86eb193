// Statistics: the snapshot, NNG's tree (per socket, dialer, listener, pipe) and the text dump.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { dumpStats, findStat, Message, Pair1, Pub0, Pull0, Push0, Rep0, Req0, type StatNode, statsTree, Sub0 } from "../../src/index.js";
import { until } from "../helpers/wait.js";

function value(node: StatNode, name: string): unknown {
  return node.children?.find((c) => c.name === name)?.value;
}

describe("statistics", { timeout: 20_000 }, () => {
  test("socket, dialer, listener and pipe counters over tcp", async () => {
    const push = new Push0();
    const pull = new Pull0();
    try {
      pull.name = "collector";
      const l = await pull.listen("tcp://127.0.0.1:0");
      const d = await push.dial(l.getOption("url") as string);
      for (let i = 0; i < 5; i++) await push.send(new Uint8Array(10));
      for (let i = 0; i < 5; i++) await pull.recv({ timeout: 2000 });
      const ps = pull.stats();
      assert.equal(ps.name, "collector");
      assert.equal(ps.rxMsgs, 5);
      assert.equal(ps.rxBytes, 50);
      assert.equal(ps.listenerStats.length, 1);
      assert.deepEqual(
        { id: ps.listenerStats[0]!.id, kind: ps.listenerStats[0]!.kind, accept: ps.listenerStats[0]!.accept, pipes: ps.listenerStats[0]!.pipes },
        { id: l.id, kind: "listener", accept: 1, pipes: 1 },
      );
      assert.equal(ps.pipeStats.length, 1);
      assert.equal(ps.pipeStats[0]!.rxMsgs, 5);
      assert.equal(ps.pipeStats[0]!.endpoint, l.id);
      assert.equal(ps.pipeStats[0]!.dialer, false);
      assert.equal(ps.pipeStats[0]!.peer, 0x50);
      const ds = push.stats();
      assert.equal(ds.txMsgs, 5);
      assert.equal(ds.txBytes, 50);
      assert.equal(ds.dialerStats[0]!.id, d.id);
      assert.equal(ds.dialerStats[0]!.connect, 1);
      assert.equal(ds.dialerStats[0]!.pipes, 1);

      // the tree uses NNG's names
      const tree = pull.statsTree();
      assert.equal(tree.name, "socket");
      assert.equal(value(tree, "id"), pull.id);
      assert.equal(value(tree, "name"), "collector");
      assert.equal(value(tree, "protocol"), "pull");
      assert.equal(value(tree, "rx_msgs"), 5);
      assert.equal(value(tree, "pipes"), 1);
      const lis = findStat(tree, "listener")!;
      assert.equal(value(lis, "accept"), 1);
      assert.equal(value(lis, "url"), l.getOption("url"));
      const pipe = findStat(tree, "pipe")!;
      assert.equal(value(pipe, "rx_bytes"), 50);
      assert.equal(value(pipe, "listener"), l.id);

      const text = dumpStats(statsTree([pull, push]));
      assert.match(text, /^socket:\n {4}id +\d+\n/);
      assert.match(text, / {4}name +"collector"\n/);
      assert.match(text, / {8}accept +1\n/);
      assert.match(text, / {8}rx_msgs +5 msgs\n/);
      assert.match(text, /dialer:\n/);

      // the whole-process tree holds every open socket, and a closed one leaves it
      const all = statsTree();
      assert.ok(all.children!.some((s) => value(s, "id") === pull.id));
      await push.close();
      await until(() => pull.stats().pipes === 0, 3_000, "pipe removed");
      assert.equal(pull.stats().listenerStats[0]!.disconnect, 1);
      assert.equal(pull.stats().rxMsgs, 5, "totals survive the pipe");
      assert.ok(!statsTree().children!.some((s) => value(s, "id") === push.id));
    } finally {
      await push.close();
      await pull.close();
    }
  });

  test("dialer refused and reject counts", async () => {
    const pull = new Pull0();
    const sub = new Sub0();
    const push = new Push0();
    try {
      const l = await pull.listen("tcp://127.0.0.1:0");
      const url = l.getOption("url") as string;
      // a sub is the wrong peer for a pull: the listener rejects it
      sub.setOption("reconnect-time-min", 5000);
      await sub.dial(url);
      // the sub redials after a random wait in [0, 5000) ms, so more rejects may follow: compare counts
      await until(() => pull.stats().reject >= 1, 3_000, "reject");
      const snapshot = pull.stats();
      const tree = pull.statsTree();
      assert.equal(snapshot.listenerStats[0]!.reject, snapshot.reject);
      assert.equal(value(tree, "reject"), snapshot.reject);
      await pull.close();
      await assert.rejects(push.dial(url), { code: "ECONNREFUSED" });
      assert.equal(push.stats().counters["dial-refused"], 1);
    } finally {
      await Promise.all([pull.close(), sub.close(), push.close()]);
    }
  });

  test("protocol drops appear in the tree under NNG-style names", async () => {
    const b = new Pair1();
    const raw = new Pair1({ raw: true });
    const pub = new Pub0();
    const sub = new Sub0();
    try {
      // pair1 ttl drop: a raw sender's hop count already at the receiver's ttl-max
      b.setOption("ttl-max", 1);
      await b.listen("inproc://stats-ttl");
      await raw.dial("inproc://stats-ttl");
      const m = new Message();
      m.headerAppendU32(1);
      await raw.send(m);
      await until(() => b.stats().counters["ttl-drop"] === 1, 3_000, "ttl drop");
      assert.equal(value(b.statsTree(), "ttl_drop"), 1);
      // sub queue drops: a recv-buffer of 1 and nobody reading
      sub.setOption("recv-buffer", 1);
      sub.subscribe("");
      await pub.listen("inproc://stats-sub");
      await sub.dial("inproc://stats-sub");
      for (let i = 0; i < 10; i++) await pub.send("x");
      await until(() => (sub.stats().counters["rx-drop"] ?? 0) > 0, 3_000, "rx drop");
      assert.ok((value(sub.statsTree(), "rx_drop") as number) > 0);
    } finally {
      await Promise.all([raw.close(), b.close(), pub.close(), sub.close()]);
    }
  });

  test("req/rep stats stay consistent over many exchanges", async () => {
    const req = new Req0();
    const rep = new Rep0();
    try {
      await rep.listen("inproc://stats-rr");
      await req.dial("inproc://stats-rr");
      for (let i = 0; i < 20; i++) {
        await req.send(`q${i}`);
        await rep.send(await rep.recv());
        assert.equal((await req.recv()).text(), `q${i}`);
      }
      const r = req.stats();
      const s = rep.stats();
      assert.equal(r.txMsgs, 20);
      assert.equal(r.rxMsgs, 20);
      assert.equal(s.rxMsgs, 20);
      assert.equal(s.txMsgs, 20);
    } finally {
      await Promise.all([req.close(), rep.close()]);
    }
  });
});
