// The browser bundle in headless Chromium (Debian's chromium, driven by playwright-core): req/rep
// against libnng's nngcat over ws, pub/sub against an nngts Node publisher, and the example page.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { Pub0 } from "../../src/index.js";
import { freePort, haveLibnng, killAllChildren, spawnNngcat } from "../helpers/libnng.js";

// What page-side code sees (this file compiles without the DOM lib).
interface PageGlobals {
  nng: typeof import("../../src/browser.js");
  log(line: string): void;
  nngReady?: boolean;
  subReady?: boolean;
}
declare const window: PageGlobals;
declare const document: { getElementById(id: string): { textContent: string | null } | null };

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error("CI is set but chromium is missing: .ci/run must install it");

const root = fileURLToPath(new URL("../../../", import.meta.url));
const bundle = join(root, "dist/browser/nngts.js");
const artifacts = join(root, "test/artifacts");

const PAGE = `<!doctype html><meta charset="utf-8"><title>nngts test</title>
<body><h1>nngts browser test</h1><pre id="log"></pre>
<script type="module">
  import * as nng from "/nngts.js";
  window.nng = nng;
  window.log = (line) => { document.getElementById("log").textContent += line + "\\n"; };
  window.nngReady = true;
</script></body>`;

function build(): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [join(root, "scripts/build-browser.mjs")], { cwd: root, timeout: 60_000 }, (err, _o, e) =>
      err ? reject(new Error(`browser build failed: ${e}`)) : resolve(),
    ),
  );
}

function serve(): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    if (req.url === "/") return void res.writeHead(200, { "content-type": "text/html" }).end(PAGE);
    if (req.url === "/nngts.js") return void res.writeHead(200, { "content-type": "text/javascript" }).end(readFileSync(bundle));
    res.writeHead(404).end();
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const a = server.address();
      resolve({ server, origin: `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}` });
    }),
  );
}

describe("browser bundle in headless Chromium", { skip: !haveChromium && "chromium not installed", timeout: 120_000 }, () => {
  let browser: Browser;
  let page: Page;
  let web: { server: Server; origin: string };

  before(async () => {
    await build();
    web = await serve();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${web.origin}/`);
    await page.waitForFunction(() => window.nngReady === true, undefined, { timeout: 10_000 });
    assert.deepEqual(errors, []);
  });

  after(async () => {
    await browser?.close();
    web?.server.close();
    await killAllChildren();
  });

  test("the bundle holds no Node built-ins and exposes the sockets", async () => {
    const src = readFileSync(bundle, "utf8");
    assert.doesNotMatch(src, /\brequire\(|from"node:|from "node:/);
    const names = await page.evaluate(() => Object.keys(window.nng).sort());
    for (const n of ["Req0", "Rep0", "Sub0", "Pub0", "Push0", "Pull0", "Message", "NngError"]) assert.ok(names.includes(n), n);
  });

  test("req0 in the browser -> nngcat --rep0 listening on ws", { skip: !haveLibnng && "libnng not installed" }, async () => {
    const port = await freePort();
    const url = `ws://127.0.0.1:${port}/rpc`;
    const rep = spawnNngcat(["--rep0", "--listen", url, "--data", "pong from libnng", "--count", "3", "--quoted"]);
    try {
      const replies = await page.evaluate(async (u: string) => {
        const w = window;
        const req = new w.nng.Req0();
        try {
          // nngcat may still be binding: the nonblock dial retries until it is up.
          req.setOption("reconnect-time-min", 50);
          await req.dial(u, { nonblock: true });
          const out: string[] = [];
          for (let i = 0; i < 3; i++) {
            await req.send(`ping ${i}`);
            const m = await req.recv({ timeout: 5000 });
            out.push(m.text());
            w.log(`req/rep: ping ${i} -> ${m.text()}`);
          }
          return out;
        } finally {
          await req.close();
        }
      }, url);
      assert.deepEqual(replies, ["pong from libnng", "pong from libnng", "pong from libnng"]);
      const got = (await rep.waitForBytes(3 * '"ping 0"\n'.length, 5_000)).toString("latin1");
      assert.deepEqual(got.trim().split("\n"), ['"ping 0"', '"ping 1"', '"ping 2"']);
    } finally {
      await rep.kill();
    }
  });

  test("sub0 in the browser <- nngts pub0 in Node over ws", async () => {
    const pub = new Pub0();
    try {
      const l = await pub.listen("ws://127.0.0.1:0/news");
      const url = l.getOption("url") as string;
      const subscribed = page.evaluate(async (u: string) => {
        const w = window;
        const sub = new w.nng.Sub0();
        try {
          sub.subscribe("news/");
          await sub.dial(u);
          w.subReady = true;
          const out: string[] = [];
          while (out.length < 3) {
            const m = await sub.recv({ timeout: 5000 });
            out.push(m.text());
            w.log(`pub/sub: ${m.text()}`);
          }
          return out;
        } finally {
          await sub.close();
        }
      }, url);
      await page.waitForFunction(() => window.subReady === true, undefined, { timeout: 5_000 });
      // Publish until the three wanted messages are through: the subscription may lag the dial.
      const timer = setInterval(() => {
        void pub.send("weather/ignored");
        for (let i = 0; i < 3; i++) void pub.send(`news/${i}`);
      }, 50);
      let got: string[];
      try {
        got = await subscribed;
      } finally {
        clearInterval(timer);
      }
      assert.equal(got.length, 3);
      for (const m of got) assert.match(m, /^news\/[0-2]$/);
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, "browser.png") });
    } finally {
      await pub.close();
    }
  });

  test("the example page (npm run example:browser) shows the clock and a reply", async () => {
    const server = spawn(process.execPath, [join(root, "examples/browser/server.mjs")], {
      cwd: root,
      env: { ...process.env, PORT: "0" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const origin = await new Promise<string>((resolve, reject) => {
        let out = "";
        const timer = setTimeout(() => reject(new Error(`example did not start: ${out}`)), 10_000);
        server.stdout!.on("data", (b: Buffer) => {
          out += b.toString();
          const m = /open (http:\/\/\S+?)\/? /.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
      });
      const example = await browser.newPage();
      try {
        await example.goto(`${origin}/`);
        await example.waitForFunction(() => /^time /.test(document.getElementById("ticks")?.textContent ?? ""), undefined, { timeout: 10_000 });
        await example.click("button");
        await example.waitForFunction(() => document.getElementById("reply")?.textContent === "HELLO FROM THE BROWSER!", undefined, { timeout: 10_000 });
        mkdirSync(artifacts, { recursive: true });
        await example.screenshot({ path: join(artifacts, "example-browser.png") });
      } finally {
        await example.close();
      }
    } finally {
      server.kill("SIGINT");
      await new Promise((r) => (server.exitCode !== null ? r(null) : server.once("exit", r)));
    }
  });
});
