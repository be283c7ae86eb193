// A bus mesh over ipc: every node hears every message sent by the nodes it is connected to.
// A bus does not forward, so a full mesh has every node connected to every other.
// Run with: node examples/bus.mjs
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bus0 } from "nngts";

const dir = mkdtempSync(join(tmpdir(), "nngts-bus-"));
const NODES = 3;
const urls = Array.from({ length: NODES }, (_, i) => `ipc://${join(dir, `node${i}.sock`)}`);
const nodes = Array.from({ length: NODES }, () => new Bus0());
for (let i = 0; i < NODES; i++) {
  nodes[i].recvTimeout = 1000;
  await nodes[i].listen(urls[i]);
}
// Node i dials every node before it: each pair is connected once.
for (let i = 0; i < NODES; i++) for (let j = 0; j < i; j++) await nodes[i].dial(urls[j]);
while (nodes.some((n) => n.pipes.length < NODES - 1)) await new Promise((r) => setTimeout(r, 10));

for (let i = 0; i < NODES; i++) await nodes[i].send(`hello from node ${i}`);

const heard = await Promise.all(
  nodes.map(async (node) => {
    const got = [];
    for (let k = 0; k < NODES - 1; k++) got.push((await node.recv()).text());
    return got.sort();
  }),
);
heard.forEach((got, i) => console.log(`node ${i} heard: ${got.join(", ")}`));

await Promise.all(nodes.map((n) => n.close()));
rmSync(dir, { recursive: true, force: true });
console.log(`every node heard the ${NODES - 1} others`);
