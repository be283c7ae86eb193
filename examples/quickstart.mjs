// Push a message to a pull socket over tcp. Run with: node examples/quickstart.mjs
import { Pull0, Push0 } from "nngts";

const pull = new Pull0();
const listener = await pull.listen("tcp://127.0.0.1:0"); // port 0: any free port
const url = listener.getOption("url"); // e.g. tcp://127.0.0.1:40123

const push = new Push0();
await push.dial(url);
await push.send("hello"); // string | Uint8Array | Message

const msg = await pull.recv({ timeout: 1000 }); // a Message
console.log(msg.text()); // "hello"

await push.close();
await pull.close();
