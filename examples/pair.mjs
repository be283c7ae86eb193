// pair1: two parties talking both ways over ipc; then a polyamorous pair1 hub that answers
// each of several peers on its own pipe. Run with: node examples/pair.mjs
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Message, Pair1 } from "nngts";

const dir = mkdtempSync(join(tmpdir(), "nngts-pair-"));

// One to one.
const a = new Pair1();
await a.listen(`ipc://${join(dir, "pair.sock")}`);
const b = new Pair1();
await b.dial(`ipc://${join(dir, "pair.sock")}`);
await a.send("hi b");
console.log("b got:", (await b.recv({ timeout: 1000 })).text());
await b.send("hi a");
console.log("a got:", (await a.recv({ timeout: 1000 })).text());
await Promise.all([a.close(), b.close()]);

// One hub, many peers: received messages carry their pipe; a reply is addressed by setting it.
const hub = new Pair1({ polyamorous: true });
const hubUrl = `ipc://${join(dir, "hub.sock")}`;
await hub.listen(hubUrl);
const peers = await Promise.all(
  ["p1", "p2", "p3"].map(async (name) => {
    const p = new Pair1();
    await p.dial(hubUrl);
    return { name, p };
  }),
);
for (const { name, p } of peers) await p.send(name);
for (let i = 0; i < peers.length; i++) {
  const msg = await hub.recv({ timeout: 1000 });
  const reply = new Message(`welcome ${msg.text()}`);
  reply.pipe = msg.pipe; // back to the pipe it came from
  await hub.send(reply);
}
for (const { name, p } of peers) console.log(`${name} got:`, (await p.recv({ timeout: 1000 })).text());

await Promise.all([hub.close(), ...peers.map(({ p }) => p.close())]);
rmSync(dir, { recursive: true, force: true });
console.log("pair done");
