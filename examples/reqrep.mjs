// A req/rep service that answers many requests at once with contexts.
// Run with: node examples/reqrep.mjs
import { Rep0, Req0 } from "nngts";

const WORKERS = 4; // requests the server works on at the same time
const CLIENTS = 8;

// The server: one Rep0 socket, one context per concurrent request. Each context receives a
// request and replies to it; contexts do not wait for each other.
const server = new Rep0();
const listener = await server.listen("tcp://127.0.0.1:0"); // port 0: any free port
const url = listener.getOption("url");

async function serve(ctx) {
  for (;;) {
    let request;
    try {
      request = await ctx.recv();
    } catch {
      return; // ECLOSED: the server is shutting down
    }
    const n = Number(request.text());
    await new Promise((r) => setTimeout(r, 10)); // pretend to work
    await ctx.send(String(n * n)); // the reply goes back to whoever asked
  }
}
const contexts = Array.from({ length: WORKERS }, () => server.openContext());
const serving = contexts.map(serve);

// The client: one Req0 socket, one context per outstanding request.
const client = new Req0();
await client.dial(url);
const answers = await Promise.all(
  Array.from({ length: CLIENTS }, async (_, i) => {
    const ctx = client.openContext();
    await ctx.send(String(i));
    const reply = await ctx.recv({ timeout: 5000 });
    ctx.close();
    return Number(reply.text());
  }),
);
console.log("squares:", answers.join(" "));

await client.close();
await server.close(); // ends every context's pending recv with ECLOSED
await Promise.all(serving);
console.log(`${answers.length} replies`);
