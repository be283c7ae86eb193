// A rep server in its own Node process, for tests that kill and restart the server:
//   node dist/test/helpers/rep-child.js <url> <hold|echo>
// Prints "ready" once listening and "got <body>" for each request. "echo" answers each request
// with its own body; "hold" takes requests and never answers. Runs until killed.
import { Rep0 } from "../../src/index.js";

const [url, mode] = process.argv.slice(2);
if (!url || (mode !== "hold" && mode !== "echo")) {
  process.stdout.write("usage: rep-child <url> <hold|echo>\n");
  process.exit(2);
}
const rep = new Rep0();
await rep.listen(url);
process.stdout.write("ready\n");
for await (const m of rep) {
  process.stdout.write(`got ${m.text()}\n`);
  if (mode === "echo") await rep.send(m);
}
