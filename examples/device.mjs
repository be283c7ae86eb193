// A broker: clients send requests to a front address, workers serve them from a back address,
// and device() forwards between two raw sockets. Neither side knows the other's address.
// Run with: node examples/device.mjs
import { device, Rep0, Req0 } from "nngts";

// The broker: a raw rep facing the clients, a raw req facing the workers.
const front = new Rep0({ raw: true });
const back = new Req0({ raw: true });
const frontUrl = (await front.listen("tcp://127.0.0.1:0")).getOption("url");
const backUrl = (await back.listen("tcp://127.0.0.1:0")).getOption("url");
const broker = device(front, back);

// Two workers: ordinary rep sockets that dial the broker's back.
const workers = await Promise.all(
  ["w1", "w2"].map(async (name) => {
    const rep = new Rep0();
    await rep.dial(backUrl);
    const serving = (async () => {
      for await (const req of rep) await rep.send(`${req.text().toUpperCase()} (by ${name})`);
    })();
    return { rep, serving };
  }),
);
while (back.pipes.length < workers.length) await new Promise((r) => setTimeout(r, 10));

// Clients: ordinary req sockets that dial the broker's front.
const words = ["alpha", "beta", "gamma", "delta"];
const replies = await Promise.all(
  words.map(async (word) => {
    const req = new Req0();
    await req.dial(frontUrl);
    await req.send(word);
    const reply = (await req.recv({ timeout: 5000 })).text();
    await req.close();
    return reply;
  }),
);
for (const r of replies) console.log(r);

broker.stop();
await broker.done; // resolves once the device has stopped
await Promise.all([front.close(), back.close()]);
await Promise.all(workers.map(async ({ rep, serving }) => (await rep.close(), serving)));
console.log(`${replies.length} replies through the broker`);
