// A survey: the surveyor asks every respondent at once and collects answers until the
// survey time runs out. Run with: node examples/survey.mjs
import { NngError, Respondent0, Surveyor0 } from "nngts";

const surveyor = new Surveyor0();
surveyor.surveyTime = 500; // ms: answers later than this are dropped
const url = (await surveyor.listen("tcp://127.0.0.1:0")).getOption("url");

const names = ["alpha", "beta", "gamma"];
const respondents = await Promise.all(
  names.map(async (name) => {
    const r = new Respondent0();
    await r.dial(url);
    const answering = (async () => {
      for await (const question of r) await r.send(`${name} answers "${question.text()}"`);
    })(); // ends when r closes
    return { socket: r, answering };
  }),
);
// A survey goes only to respondents connected when it is sent.
while (surveyor.pipes.length < names.length) await new Promise((r) => setTimeout(r, 10));

await surveyor.send("who is there?");
const answers = [];
for (;;) {
  try {
    answers.push((await surveyor.recv()).text());
  } catch (e) {
    if (e instanceof NngError && e.code === "ETIMEDOUT") break; // the survey is over
    throw e;
  }
}
for (const a of answers.sort()) console.log(a);

await surveyor.close();
await Promise.all(respondents.map(async ({ socket, answering }) => (await socket.close(), answering)));
console.log(`${answers.length} responses`);
