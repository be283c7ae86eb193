// A child process for test/transport/socket.test.ts: its fd 3 is one end of a socketpair the parent
// holds. It hands fd 3 to a socket:// listener with `socket:fd` (before or after starting it, per
// argv[2]) and answers argv[3] messages on a pair0 socket with "echo:<text>".
import { Pair0 } from "../../src/index.js";

const when = process.argv[2] === "after" ? "after" : "before";
const count = Number(process.argv[3] ?? "1");

const sock = new Pair0();
const listener = sock.createListener("socket://");
if (when === "before") listener.setOption("socket:fd", 3);
await listener.start();
if (when === "after") listener.setOption("socket:fd", 3);
for (let i = 0; i < count; i++) {
  const m = await sock.recv({ timeout: 5_000 });
  await sock.send(`echo:${m.text()}`, { timeout: 5_000 });
}
// Give the last reply time to leave before closing.
await new Promise((r) => setTimeout(r, 100));
await sock.close();
