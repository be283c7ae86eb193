import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NngError } from "../../src/core/errors.js";
import { checkOption, OptionStore } from "../../src/core/options.js";

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof NngError) return e.code;
    throw e;
  }
  return undefined;
}

describe("options", () => {
  it("checks kinds and ranges with NNG's errors", () => {
    assert.equal(checkOption({ name: "t", kind: "ms" }, -1), -1);
    assert.equal(code(() => checkOption({ name: "t", kind: "ms" }, -2)), "EINVAL");
    assert.equal(code(() => checkOption({ name: "t", kind: "ms" }, "5")), "EBADTYPE");
    assert.equal(code(() => checkOption({ name: "t", kind: "int", min: 1, max: 15 }, 16)), "EINVAL");
    assert.equal(code(() => checkOption({ name: "t", kind: "int" }, 1.5)), "EBADTYPE");
    assert.equal(code(() => checkOption({ name: "b", kind: "bool" }, 1)), "EBADTYPE");
    assert.equal(code(() => checkOption({ name: "s", kind: "size" }, -1)), "EINVAL");
    assert.equal(code(() => checkOption({ name: "r", kind: "bool", readOnly: true }, true)), "EREADONLY");
    assert.deepEqual(checkOption({ name: "x", kind: "bytes" }, "ab"), Uint8Array.of(0x61, 0x62));
  });

  it("object options take plain objects (copied), strings options are read-only, check hooks run last", () => {
    const spec = { name: "o", kind: "object" as const };
    const given = { ca: "x" };
    const got = checkOption(spec, given) as { ca: string };
    assert.deepEqual(got, given);
    given.ca = "changed";
    assert.equal(got.ca, "x");
    for (const bad of ["s", 1, null, [1], Uint8Array.of(1)]) assert.equal(code(() => checkOption(spec, bad)), "EBADTYPE");
    assert.equal(code(() => checkOption({ name: "l", kind: "strings" }, ["a"])), "EREADONLY");
    const seen: unknown[] = [];
    const checked = { name: "f", kind: "string" as const, check: (v: unknown) => void seen.push(v) };
    checkOption(checked, "path");
    assert.deepEqual(seen, ["path"]);
    assert.equal(code(() => checkOption(checked, 5)), "EBADTYPE");
    assert.deepEqual(seen, ["path"]);
    const refusing = { name: "f", kind: "string" as const, check: () => { throw new NngError("ENOENT"); } };
    assert.equal(code(() => checkOption(refusing, "missing")), "ENOENT");
  });

  it("inherits from its parent and overrides it", () => {
    const socket = new OptionStore();
    socket.set("recv-size-max", 100);
    const dialer = new OptionStore(socket);
    assert.equal(dialer.get("recv-size-max"), 100);
    socket.set("recv-size-max", 200);
    assert.equal(dialer.get("recv-size-max"), 200);
    dialer.set("recv-size-max", 5);
    assert.equal(dialer.get("recv-size-max"), 5);
    assert.equal(socket.get("recv-size-max"), 200);
    const snap = dialer.snapshot();
    socket.set("recv-size-max", 1);
    assert.equal(snap.get("recv-size-max"), 5);
  });
});
