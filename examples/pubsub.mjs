// pub/sub with topics: each subscriber gets only the messages that start with its topics.
// Run with: node examples/pubsub.mjs
import { Pub0, Sub0 } from "nngts";

const pub = new Pub0();
const listener = await pub.listen("tcp://127.0.0.1:0");
const url = listener.getOption("url");

const weather = new Sub0();
weather.subscribe("weather."); // a topic is a prefix of the message body
const everything = new Sub0();
everything.subscribe(""); // the empty topic matches every message
for (const sub of [weather, everything]) {
  sub.recvTimeout = 1000; // stop waiting once the publisher has nothing more
  await sub.dial(url);
}

// A publisher never waits for subscribers: messages sent before they are connected are lost.
while (pub.pipes.length < 2) await new Promise((r) => setTimeout(r, 10));

for (const text of ["weather.paris sunny", "news.sports 3-1", "weather.oslo snow"]) await pub.send(text);

async function drain(sub) {
  const got = [];
  try {
    for (;;) got.push((await sub.recv()).text());
  } catch {
    return got; // ETIMEDOUT: nothing more
  }
}
const [w, e] = await Promise.all([drain(weather), drain(everything)]);
console.log("weather subscriber:", w.join(", "));
console.log("catch-all subscriber:", e.join(", "));

await Promise.all([pub.close(), weather.close(), everything.close()]);
console.log(`weather got ${w.length}, everything got ${e.length}`);
