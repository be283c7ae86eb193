// One command (`npm run example:browser`): a web server that also speaks SP over WebSocket on
// the same port. The page (index.html) subscribes to the clock published here and calls the
// "shout" service with req/rep, straight from the browser with the nngts browser bundle.
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { Pub0, Rep0, shareHttpServer } from "../../dist/src/index.js";

const port = Number(process.env.PORT ?? 8080);
const files = {
  "/": ["index.html", "text/html; charset=utf-8"],
  "/nngts.js": ["../../dist/browser/nngts.js", "text/javascript"],
};

const web = createServer(async (req, res) => {
  const entry = files[req.url ?? "/"];
  if (!entry) return void res.writeHead(404).end("not found");
  try {
    const body = await readFile(fileURLToPath(new URL(entry[0], import.meta.url)));
    res.writeHead(200, { "content-type": entry[1] }).end(body);
  } catch {
    res.writeHead(500).end("run `npm run build` first");
  }
});
await new Promise((resolve) => web.listen(port, "127.0.0.1", resolve));
const bound = web.address().port;
shareHttpServer(web); // ws:// listeners on this port are served by `web`, by path

const pub = new Pub0();
await pub.listen(`ws://127.0.0.1:${bound}/clock`);
const clock = setInterval(() => void pub.send(`time ${new Date().toISOString()}`), 1000);

const rep = new Rep0();
await rep.listen(`ws://127.0.0.1:${bound}/shout`);
void (async () => {
  for await (const msg of rep) await rep.send(`${msg.text().toUpperCase()}!`);
})();

console.log(`open http://127.0.0.1:${bound}/ (Ctrl-C to stop)`);
process.on("SIGINT", async () => {
  clearInterval(clock);
  await pub.close();
  await rep.close();
  web.close();
  process.exit(0);
});
