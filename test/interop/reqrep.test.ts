// req0/rep0 and the device against real libnng (the C peer and nngcat), both directions, tcp and ipc.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { device, Message, NngError, Rep0, Req0, type Socket } from "../../src/index.js";
import { freePort, haveLibnng, killAllChildren, runNngcat, spawnNngcat, startPeer, tmpIpcUrl } from "../helpers/libnng.js";
import { within } from "../helpers/wait.js";

type Transport = "tcp" | "ipc";
const text = (b: Uint8Array) => Buffer.from(b).toString("utf8");
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const N = 4;
const expected = Array.from({ length: N }, (_, i) => `msg-${i}`);
let inprocSeq = 0;

const anyUrl = (transport: Transport) => (transport === "tcp" ? "tcp://127.0.0.1:0" : tmpIpcUrl("rr"));

async function listenUrl(sock: Socket, transport: Transport): Promise<string> {
  const l = await within(sock.listen(anyUrl(transport)), 5_000, "listen");
  return l.getOption("url") as string;
}

const repChildPath = fileURLToPath(new URL("../helpers/rep-child.js", import.meta.url));

/** An nngts rep server in its own process (test/helpers/rep-child.ts); resolves once it listens. */
function startRepChild(url: string, mode: "hold" | "echo"): Promise<{ child: ChildProcess; got: () => string[] }> {
  const child = spawn(process.execPath, [repChildPath, url, mode], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  const got = () => out.split("\n").filter((l) => l.startsWith("got ")).map((l) => l.slice(4));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`rep child not ready: ${out}`)), 10_000);
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.startsWith("ready\n")) {
        clearTimeout(timer);
        resolve({ child, got });
      }
    });
    child.once("exit", (code) => reject(new Error(`rep child exited (${code}): ${out}`)));
  });
}

function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

/** Answers every request with `re:<body>` until the socket closes. */
async function serve(rep: Rep0): Promise<void> {
  for await (const m of rep) await rep.send(`re:${m.text()}`);
}

describe("interop req0/rep0 with libnng", { skip: !haveLibnng && "libnng not installed", timeout: 90_000 }, () => {
  after(() => killAllChildren());

  for (const transport of ["tcp", "ipc"] as const) {
    test(`${transport}: nngts req -> nngcat --rep0 --data`, { timeout: 10_000 }, async () => {
      const req = new Req0();
      try {
        const url = await listenUrl(req, transport);
        const cat = spawnNngcat(["--rep0", "--dial", url, "--data", "pong", "--ascii"]);
        for (let i = 0; i < 2; i++) {
          await req.send(`ping${i}`, { timeout: 5_000 });
          assert.equal((await req.recv({ timeout: 5_000 })).text(), "pong");
        }
        assert.equal((await cat.waitForBytes(10, 5_000)).toString(), "ping0ping1");
        await cat.kill();
      } finally {
        await req.close();
      }
    });

    test(`${transport}: nngts req (contexts) -> C peer rep0 --echo ${N}`, { timeout: 10_000 }, async () => {
      const peer = await startPeer(["rep0", "listen", anyUrl(transport), "--echo", String(N), "--recv-timeout", "5000"]);
      const req = new Req0();
      try {
        await within(req.dial(peer.url), 5_000, "dial");
        const replies = await Promise.all(
          expected.map(async (body) => {
            const ctx = req.openContext();
            await ctx.send(body, { timeout: 5_000 });
            const m = await ctx.recv({ timeout: 5_000 });
            return [m.headerLength, m.text()];
          }),
        );
        assert.deepEqual(replies, expected.map((b) => [0, b]));
        const seen = await peer.waitForMessages(N, 5_000);
        assert.deepEqual(seen.map((m) => text(m.body)).sort(), expected);
        assert.deepEqual(seen.map((m) => m.header.length), expected.map(() => 0)); // cooked rep strips the id
        assert.equal(await peer.exit(5_000), 0);
      } finally {
        await req.close();
      }
    });

    test(`${transport}: 1000 nngts req contexts in flight at once -> C peer rep0 --echo 1000`, { timeout: 20_000 }, async () => {
      const n = 1000;
      const peer = await startPeer(["rep0", "listen", anyUrl(transport), "--echo", String(n), "--recv-timeout", "10000"]);
      const req = new Req0();
      try {
        await within(req.dial(peer.url), 5_000, "dial");
        const ctxs = Array.from({ length: n }, () => req.openContext());
        await Promise.all(ctxs.map((c, i) => c.send(`c${i}`, { timeout: 5_000 })));
        const replies = await Promise.all(ctxs.map((c) => c.recv({ timeout: 15_000 })));
        replies.forEach((m, i) => assert.equal(m.text(), `c${i}`));
        assert.equal(await peer.exit(5_000), 0);
      } finally {
        await req.close();
      }
    });

    test(`${transport}: C peer req0 with 1000 nng_ctx in flight -> nngts rep answering on 1000 contexts`, { timeout: 30_000 }, async () => {
      const n = 1000;
      const rep = new Rep0();
      const loops: Promise<void>[] = [];
      try {
        const url = await listenUrl(rep, transport);
        for (let i = 0; i < n; i++) {
          const ctx = rep.openContext();
          loops.push(
            (async () => {
              try {
                for (;;) await ctx.send(await ctx.recv());
              } catch (e) {
                if (!(e instanceof NngError && e.code === "ECLOSED")) throw e;
              }
            })(),
          );
        }
        // 5000 exchanges of 64 bytes over 1000 libnng contexts; the peer checks each reply's size.
        const peer = await startPeer(["req0", "dial", url, "--rr-client", "64", "5000", String(n)]);
        assert.equal(await peer.exit(20_000), 0, peer.stderr());
        assert.ok(peer.lines.includes("request count: 5000"), peer.lines.join("\n"));
      } finally {
        await rep.close();
        await within(Promise.all(loops), 2_000, "context loops");
      }
    });

    test(`${transport}: nngcat --req0 --data X --ascii -> nngts rep`, { timeout: 10_000 }, async () => {
      const rep = new Rep0();
      const serving = serve(rep);
      try {
        const url = await listenUrl(rep, transport);
        const r = await runNngcat(["--req0", "--dial", url, "--data", "hello", "--ascii"], { timeoutMs: 5_000 });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout.toString(), "re:hello");
      } finally {
        await rep.close();
        await within(serving, 2_000, "server loop");
      }
    });

    test(`${transport}: C peer req0 --req ${N} -> nngts rep`, { timeout: 10_000 }, async () => {
      const rep = new Rep0();
      const serving = serve(rep);
      try {
        const url = await listenUrl(rep, transport);
        const peer = await startPeer(["req0", "dial", url, "--req", String(N), "--recv-timeout", "5000"]);
        const replies = await peer.waitForMessages(N, 5_000);
        assert.deepEqual(replies.map((m) => [hex(m.header), text(m.body)]), expected.map((b) => ["", `re:${b}`]));
        assert.equal(await peer.exit(5_000), 0);
      } finally {
        await rep.close();
        await within(serving, 2_000, "server loop");
      }
    });

    test(`${transport}: C peer raw req0 (a hop + id in the header) -> nngts rep returns the whole backtrace`, { timeout: 10_000 }, async () => {
      const rep = new Rep0();
      const serving = serve(rep);
      try {
        const url = await listenUrl(rep, transport);
        const peer = await startPeer(["req0", "dial", url, "--raw", "--header", "0000000580000001", "--req", "1", "--recv-timeout", "5000"]);
        const [m] = await peer.waitForMessages(1, 5_000);
        assert.equal(hex(m!.header), "0000000580000001");
        assert.equal(text(m!.body), "re:msg-0");
        assert.equal(await peer.exit(5_000), 0);
      } finally {
        await rep.close();
        await within(serving, 2_000, "server loop");
      }
    });

    test(`${transport}: ttl-max 8 both ways: 9 backtrace words are dropped silently, 8 pass`, { timeout: 15_000 }, async () => {
      const hops = (n: number) => Array.from({ length: n }, (_, i) => (i + 1).toString(16).padStart(8, "0")).join("");
      // libnng req (raw, application header) -> nngts rep: 8 hops + id dropped, 7 hops + id answered.
      const rep = new Rep0();
      const serving = serve(rep);
      try {
        const url = await listenUrl(rep, transport);
        const over = await startPeer(["req0", "dial", url, "--raw", "--header", `${hops(8)}80000009`, "--send", "1"]);
        assert.equal(await over.exit(5_000), 0);
        const ok = await startPeer(["req0", "dial", url, "--raw", "--header", `${hops(7)}80000008`, "--req", "1", "--recv-timeout", "5000"]);
        const [m] = await ok.waitForMessages(1, 5_000);
        assert.equal(hex(m!.header), `${hops(7)}80000008`);
        assert.equal(text(m!.body), "re:msg-0");
        assert.equal(await ok.exit(5_000), 0);
        assert.equal(rep.stats().counters["ttl-drop"], 1);
      } finally {
        await rep.close();
        await within(serving, 2_000, "server loop");
      }
      // nngts raw req -> libnng rep: the same limit on libnng's side.
      const peer = await startPeer(["rep0", "listen", anyUrl(transport), "--echo", "1", "--recv-timeout", "5000"]);
      const req = new Req0({ raw: true });
      try {
        await within(req.dial(peer.url), 5_000, "dial");
        const tooFar = new Message("nine");
        tooFar.headerAppend(Buffer.from(`${hops(8)}80000009`, "hex"));
        await req.send(tooFar, { timeout: 5_000 });
        const fine = new Message("eight");
        fine.headerAppend(Buffer.from(`${hops(7)}80000008`, "hex"));
        await req.send(fine, { timeout: 5_000 });
        const reply = await req.recv({ timeout: 5_000 });
        assert.equal(reply.text(), "eight");
        assert.equal(hex(reply.header), `${hops(7)}80000008`);
        const seen = await peer.waitForMessages(1, 5_000);
        assert.deepEqual(seen.map((x) => text(x.body)), ["eight"]); // "nine" never reached libnng's application
        assert.equal(await peer.exit(5_000), 0);
      } finally {
        await req.close();
      }
    });

    test(`${transport}: nngts req -> C peer raw rep0 --echo (libnng's raw header routes the reply)`, { timeout: 10_000 }, async () => {
      const peer = await startPeer(["rep0", "listen", anyUrl(transport), "--raw", "--echo", "2", "--recv-timeout", "5000"]);
      const req = new Req0();
      try {
        await within(req.dial(peer.url), 5_000, "dial");
        for (const body of ["one", "two"]) {
          await req.send(body, { timeout: 5_000 });
          assert.equal((await req.recv({ timeout: 5_000 })).text(), body);
        }
        const seen = await peer.waitForMessages(2, 5_000);
        for (const m of seen) {
          assert.equal(m.header.length, 8); // [pipe id][request id]
          assert.ok(m.header[4]! & 0x80);
        }
        // Consecutive ids from one socket.
        const ids = seen.map((m) => Buffer.from(m.header).readUInt32BE(4));
        assert.equal(ids[1], ids[0] === 0xffffffff ? 0x80000000 : ids[0]! + 1);
        assert.equal(await peer.exit(5_000), 0);
      } finally {
        await req.close();
      }
    });

    test(`${transport}: C peer req0 -> nngts raw rep echo ([pipe id][request id] header)`, { timeout: 10_000 }, async () => {
      const rep = new Rep0({ raw: true });
      const headers: string[] = [];
      const serving = (async () => {
        for await (const m of rep) {
          headers.push(hex(m.header));
          await rep.send(m);
        }
      })();
      try {
        const url = await listenUrl(rep, transport);
        const peer = await startPeer(["req0", "dial", url, "--req", String(N), "--recv-timeout", "5000"]);
        const replies = await peer.waitForMessages(N, 5_000);
        assert.deepEqual(replies.map((m) => text(m.body)), expected);
        assert.equal(headers.length, N);
        for (const h of headers) {
          assert.equal(h.length, 16);
          assert.equal(parseInt(h.slice(0, 8), 16), rep.pipes[0]?.id ?? parseInt(h.slice(0, 8), 16));
          assert.ok(parseInt(h.slice(8), 16) >= 0x80000000);
        }
        assert.equal(await peer.exit(5_000), 0);
      } finally {
        await rep.close();
        await within(serving, 2_000, "server loop");
      }
    });

    test(`${transport}: nngts raw req (application header) -> C peer rep0 --echo`, { timeout: 10_000 }, async () => {
      const peer = await startPeer(["rep0", "listen", anyUrl(transport), "--echo", "1", "--recv-timeout", "5000"]);
      const req = new Req0({ raw: true });
      try {
        await within(req.dial(peer.url), 5_000, "dial");
        const m = new Message("raw-req");
        m.headerAppendU32(0x80000007);
        await req.send(m, { timeout: 5_000 });
        const reply = await req.recv({ timeout: 5_000 });
        assert.equal(reply.text(), "raw-req");
        assert.equal(hex(reply.header), "80000007");
        assert.equal(await peer.exit(5_000), 0);
      } finally {
        await req.close();
      }
    });

    for (const resendTime of [200, 60_000]) {
      // 200 ms: the resend timer brings the request to the new server; 60 s (the default): the lost
      // pipe queues it at once for the next pipe, the one to the restarted server.
      test(`${transport}: "no lost exchange": the libnng rep process is killed and restarted, the req still gets its reply (resend-time ${resendTime})`, { timeout: 15_000 }, async () => {
        const url = transport === "tcp" ? `tcp://127.0.0.1:${await freePort()}` : tmpIpcUrl("restart");
        // The first rep takes the request and never answers.
        const first = await startPeer(["rep0", "listen", url, "--recv", "1", "--recv-timeout", "10000"]);
        const req = new Req0();
        try {
          req.resendTime = resendTime;
          req.setOption("reconnect-time-min", 30);
          req.setOption("reconnect-time-max", 60);
          await within(req.dial(url), 5_000, "dial");
          await req.send("survive", { timeout: 5_000 });
          const reply = req.recv({ timeout: 10_000 });
          await first.waitForMessages(1, 5_000);
          await first.kill();
          const second = await startPeer(["rep0", "listen", url, "--echo", "1", "--recv-timeout", "10000"]);
          assert.equal((await reply).text(), "survive");
          const [m] = await second.waitForMessages(1, 5_000);
          assert.equal(text(m!.body), "survive");
          assert.equal(await second.exit(5_000), 0);
        } finally {
          await req.close();
        }
      });
    }

    test(`${transport}: "no lost exchange": the nngts rep process is killed and restarted; 20 contexts all get their replies`, { timeout: 20_000 }, async () => {
      const url = transport === "tcp" ? `tcp://127.0.0.1:${await freePort()}` : tmpIpcUrl("restart-ts");
      const n = 20;
      const first = await startRepChild(url, "hold");
      let second: Awaited<ReturnType<typeof startRepChild>> | undefined;
      const req = new Req0();
      try {
        req.setOption("reconnect-time-min", 30);
        req.setOption("reconnect-time-max", 60);
        await within(req.dial(url), 5_000, "dial");
        const ctxs = Array.from({ length: n }, () => req.openContext());
        await Promise.all(ctxs.map((c, i) => c.send(`r${i}`, { timeout: 5_000 })));
        const replies = Promise.all(ctxs.map((c) => c.recv({ timeout: 15_000 })));
        const end = Date.now() + 5_000;
        while (first.got().length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
        assert.equal(first.got().length, n); // every request reached the first server
        await killChild(first.child);
        second = await startRepChild(url, "echo");
        assert.deepEqual((await replies).map((m) => m.text()), ctxs.map((_, i) => `r${i}`));
        assert.deepEqual(second.got().sort(), ctxs.map((_, i) => `r${i}`).sort());
      } finally {
        await req.close();
        await killChild(first.child);
        if (second) await killChild(second.child);
      }
    });
  }

  const chains: Array<{ front: Transport; back: Transport; rawEnd: boolean }> = [
    { front: "tcp", back: "tcp", rawEnd: false },
    { front: "tcp", back: "tcp", rawEnd: true },
    { front: "ipc", back: "ipc", rawEnd: false },
    { front: "ipc", back: "tcp", rawEnd: false },
  ];
  for (const { front: frontT, back: backT, rawEnd } of chains) {
    test(`device chain: C peer req0 -(${frontT})-> nngts device (raw rep | raw req) -(${backT})-> C peer ${rawEnd ? "raw " : ""}rep0`, { timeout: 10_000 }, async () => {
      const server = await startPeer(["rep0", "listen", anyUrl(backT), ...(rawEnd ? ["--raw"] : []), "--echo", String(N), "--recv-timeout", "5000"]);
      const front = new Rep0({ raw: true });
      const back = new Req0({ raw: true });
      try {
        const frontUrl = await listenUrl(front, frontT);
        await within(back.dial(server.url), 5_000, "dial");
        const d = device(front, back);
        const client = await startPeer(["req0", "dial", frontUrl, "--req", String(N), "--recv-timeout", "5000"]);
        const replies = await client.waitForMessages(N, 5_000);
        assert.deepEqual(replies.map((m) => [hex(m.header), text(m.body)]), expected.map((b) => ["", b]));
        const seen = await server.waitForMessages(N, 5_000);
        assert.deepEqual(seen.map((m) => text(m.body)), expected);
        // Raw libnng rep: [its pipe id][the device's hop: the front pipe id][request id].
        for (const m of seen) {
          assert.equal(m.header.length, rawEnd ? 12 : 0);
          if (rawEnd) assert.equal(Buffer.from(m.header).readUInt32BE(4), front.pipes[0]!.id);
        }
        assert.equal(await client.exit(5_000), 0);
        assert.equal(await server.exit(5_000), 0);
        d.stop();
        await within(d.done, 2_000, "device done");
      } finally {
        await front.close();
        await back.close();
      }
    });
  }

  test("nngts req over inproc -> nngts device -> C peer rep0 over tcp", { timeout: 10_000 }, async () => {
    const server = await startPeer(["rep0", "listen", "tcp://127.0.0.1:0", "--echo", String(N), "--recv-timeout", "5000"]);
    const front = new Rep0({ raw: true });
    const back = new Req0({ raw: true });
    const client = new Req0();
    try {
      const inproc = `inproc://reqrep-device-${process.pid}-${++inprocSeq}`;
      await front.listen(inproc);
      await within(back.dial(server.url), 5_000, "dial");
      const d = device(front, back);
      await client.dial(inproc);
      const replies = await Promise.all(
        expected.map(async (body) => {
          const ctx = client.openContext();
          await ctx.send(body, { timeout: 5_000 });
          return (await ctx.recv({ timeout: 5_000 })).text();
        }),
      );
      assert.deepEqual(replies, expected);
      assert.deepEqual((await server.waitForMessages(N, 5_000)).map((m) => text(m.body)).sort(), expected);
      assert.equal(await server.exit(5_000), 0);
      d.stop();
      await within(d.done, 2_000, "device done");
    } finally {
      await Promise.all([client.close(), front.close(), back.close()]);
    }
  });
});
