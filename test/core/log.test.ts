// The log hook: NNG's levels, filtering, a logger that throws, and the records the library emits.
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { getLogLevel, type LogRecord, Pull0, setLogger, setLogLevel, stderrLogger, Sub0 } from "../../src/index.js";
import { log, logEnabled } from "../../src/core/log.js";
import { sleep } from "../helpers/wait.js";

describe("log hook", () => {
  afterEach(() => {
    setLogger(null);
    setLogLevel("notice");
  });

  test("nothing is enabled without a logger; levels filter as in NNG", () => {
    assert.equal(logEnabled("err"), false);
    const got: LogRecord[] = [];
    setLogger((r) => got.push(r));
    assert.equal(getLogLevel(), "notice");
    assert.equal(logEnabled("notice"), true);
    assert.equal(logEnabled("info"), false);
    log({ level: "info", msgid: "X", message: "dropped" });
    log({ level: "err", msgid: "Y", message: "kept" });
    assert.deepEqual(got.map((r) => r.msgid), ["Y"]);
    setLogLevel("debug");
    log({ level: "debug", msgid: "Z", message: "kept" });
    setLogLevel("none");
    log({ level: "err", msgid: "W", message: "dropped" });
    assert.deepEqual(got.map((r) => r.msgid), ["Y", "Z"]);
  });

  test("a logger that throws does not break the caller", () => {
    setLogger(() => {
      throw new Error("broken logger");
    }, "debug");
    assert.doesNotThrow(() => log({ level: "err", msgid: "X", message: "m" }));
  });

  test("stderrLogger writes one line per record", () => {
    const lines: string[] = [];
    const orig = console.error;
    console.error = (s: string) => lines.push(s);
    try {
      stderrLogger({ level: "warn", msgid: "NNG-RCVMAX", message: "too big", socket: 3, pipe: 9 });
    } finally {
      console.error = orig;
    }
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /WARN NNG-RCVMAX: too big \(socket<3> pipe<9>\)$/);
  });

  test("a rejected peer and a failed dial are reported", async () => {
    const got: LogRecord[] = [];
    setLogger((r) => got.push(r), "warn");
    const pull = new Pull0();
    const sub = new Sub0();
    try {
      const l = await pull.listen("tcp://127.0.0.1:0");
      const url = l.getOption("url") as string;
      sub.setOption("reconnect-time-min", 5000);
      await sub.dial(url);
      const mine = (r: LogRecord) => r.msgid === "NNG-PEER-MISMATCH" && r.socket === pull.id;
      for (let i = 0; i < 200 && !got.some(mine); i++) await sleep(10);
      const rej = got.find(mine);
      assert.ok(rej);
      assert.equal(rej.socket, pull.id);
      assert.match(rej.message, /peer protocol 33 is not push/);
      await pull.close();
      const late = new Pull0();
      await assert.rejects(late.dial(url), { code: "ECONNREFUSED" });
      await late.close();
      assert.ok(got.some((r) => r.msgid === "NNG-CONN-FAIL" && r.url === url));
    } finally {
      await Promise.all([pull.close(), sub.close()]);
    }
  });
});
