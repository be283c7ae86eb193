// `nngts cat` against `nngcat`: every protocol pair nngcat speaks, nngts on either side, listening or
// dialing, over tcp and ipc; the output of both tools must be exactly the bytes nngcat prints.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, describe, it } from "node:test";
import { freePort, haveLibnng, tmpIpcUrl } from "../helpers/libnng.js";
import { startTool, type Tool, waitListening } from "./tools.js";

interface Side {
  /** nngcat arguments without the address */
  args: string[];
  /** extra arguments when this side listens (a delay: it must not send before the dialer is there) */
  whenListening?: string[];
  /** extra arguments when this side dials */
  whenDialing?: string[];
  /** what it prints after its "Listening at"/"Connected to" line */
  expect: string;
}

interface PairSpec {
  name: string;
  a: Side;
  b: Side;
}

const q = (s: string): string => `"${s}"\n`;

const PAIRS: PairSpec[] = [
  {
    name: "req0/rep0",
    a: { args: ["--req0", "-D", "ping", "-Q"], expect: q("pong") },
    b: { args: ["--rep0", "-D", "pong", "-Q", "-C", "1"], expect: q("ping") },
  },
  {
    name: "pub0/sub0",
    a: { args: ["--pub0", "-D", "news: all of it"], whenListening: ["-d", "2"], expect: "" },
    b: { args: ["--sub0", "--subscribe", "news", "-Q", "-C", "1"], expect: q("news: all of it") },
  },
  {
    name: "push0/pull0",
    a: { args: ["--push0", "-D", "work\titem"], expect: "" },
    b: { args: ["--pull0", "-Q", "-C", "1"], expect: q("work\\titem") },
  },
  {
    name: "surveyor0/respondent0",
    a: { args: ["--surveyor0", "-D", "who?", "-Q"], whenListening: ["-d", "2"], expect: q("me") },
    b: { args: ["--respondent0", "-D", "me", "-Q", "-C", "1"], expect: q("who?") },
  },
  ...(["pair0", "pair1", "bus0"] as const).map(
    (p): PairSpec => ({
      name: `${p}/${p}`,
      // bus is best effort: the listener waits for the dialer before it sends
      a: {
        args: [`--${p}`, "-D", "hello", "-Q"],
        whenListening: p === "bus0" ? ["-d", "2", "--recv-timeout", "1"] : ["--recv-timeout", "3"],
        whenDialing: ["--recv-timeout", p === "bus0" ? "3" : "1"],
        expect: q("world"),
      },
      b: {
        args: [`--${p}`, "-D", "world", "-Q"],
        whenListening: p === "bus0" ? ["-d", "2", "--recv-timeout", "1"] : ["--recv-timeout", "3"],
        whenDialing: ["--recv-timeout", p === "bus0" ? "3" : "1"],
        expect: q("hello"),
      },
    }),
  ),
];

const ipcUrls: string[] = [];
after(() => {
  for (const u of ipcUrls) rmSync(u.slice("ipc://".length), { force: true });
});

async function urlFor(transport: "tcp" | "ipc" | "ws"): Promise<string> {
  if (transport === "tcp") return `tcp://127.0.0.1:${await freePort()}`;
  if (transport === "ws") return `ws://127.0.0.1:${await freePort()}/cat`;
  const u = tmpIpcUrl("cli");
  ipcUrls.push(u);
  return u;
}

/** Runs one exchange; resolves with both sides' exit code and stdout. */
async function exchange(listener: { tool: Tool; side: Side }, dialer: { tool: Tool; side: Side }, url: string) {
  const l = startTool(listener.tool, [...listener.side.args, ...(listener.side.whenListening ?? []), "-v", "--listen", url]);
  try {
    await waitListening(url, l);
  } catch (e) {
    l.kill();
    throw e;
  }
  const d = startTool(dialer.tool, [...dialer.side.args, ...(dialer.side.whenDialing ?? []), "-v", "--dial", url]);
  const [lr, dr] = await Promise.all([l.result(), d.result()]);
  return { listener: lr, dialer: dr };
}

function check(r: Awaited<ReturnType<typeof exchange>>, listener: Side, dialer: Side, url: string): void {
  const ctx = `listener stderr: ${r.listener.stderr} / dialer stderr: ${r.dialer.stderr}`;
  assert.equal(r.listener.stdout.toString("latin1"), `Listening at: ${url}\n${listener.expect}`, ctx);
  assert.equal(r.dialer.stdout.toString("latin1"), `Connected to: ${url}\n${dialer.expect}`, ctx);
  assert.equal(r.listener.code, 0, ctx);
  assert.equal(r.dialer.code, 0, ctx);
}

describe("nngcat against nngcat: the expected bytes are nngcat's", { skip: !haveLibnng && "libnng not installed", concurrency: 4 }, () => {
  for (const p of PAIRS) {
    it(p.name, async () => {
      const url = await urlFor("tcp");
      check(await exchange({ tool: "nngcat", side: p.a }, { tool: "nngcat", side: p.b }, url), p.a, p.b, url);
    });
  }
});

describe("nngts cat against nngcat", { skip: !haveLibnng && "libnng not installed", concurrency: 4 }, () => {
  for (const p of PAIRS) {
    for (const transport of ["tcp", "ipc", "ws"] as const) {
      for (const nngtsSide of ["a", "b"] as const) {
        for (const listening of ["a", "b"] as const) {
          const [ls, ds] = listening === "a" ? [p.a, p.b] : [p.b, p.a];
          const tool = (s: "a" | "b"): Tool => (s === nngtsSide ? "nngts" : "nngcat");
          const lTool = tool(listening);
          const dTool = tool(listening === "a" ? "b" : "a");
          const label = (s: Side): string => `${s.args[0]}${p.a.args[0] === p.b.args[0] ? (s === p.a ? " (a)" : " (b)") : ""}`;
          const name = `${p.name} ${transport}: ${label(ls)} ${lTool} listens, ${label(ds)} ${dTool} dials`;
          it(name, async () => {
            const url = await urlFor(transport);
            check(await exchange({ tool: lTool, side: ls }, { tool: dTool, side: ds }, url), ls, ds, url);
          });
        }
      }
    }
  }
});
