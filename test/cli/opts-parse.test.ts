// The port of nng_opts_parse(): prefixes, attached values, short options, where parsing stops.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nextOption, type OptSpec } from "../../src/cli/opts-parse.js";

const SPECS: OptSpec<string>[] = [
  { name: "sub", value: "sub" },
  { name: "sub0", value: "sub0" },
  { name: "subscribe", value: "subscribe", hasArg: true },
  { name: "dial", value: "dial", hasArg: true },
  { name: "data", value: "data", short: "D", hasArg: true },
  { name: "quoted", value: "quoted", short: "Q" },
];

function all(argv: string[]) {
  const state = { index: 0 };
  const out: unknown[] = [];
  for (;;) {
    const ev = nextOption(argv, SPECS, state);
    out.push(ev.kind === "option" ? [ev.value, ev.arg] : ev);
    if (ev.kind !== "option") return { out, index: state.index };
  }
}

describe("nextOption", () => {
  it("matches exact names first, then unique prefixes", () => {
    assert.deepEqual(all(["--sub", "--sub0", "--subs", "x", "--di", "u"]).out, [["sub", ""], ["sub0", ""], ["subscribe", "x"], ["dial", "u"], { kind: "end" }]);
    assert.deepEqual(all(["--su"]).out, [{ kind: "ambiguous", word: "--su" }]);
    assert.deepEqual(all(["--d", "x"]).out, [{ kind: "ambiguous", word: "--d" }]);
    assert.deepEqual(all(["--nope"]).out, [{ kind: "invalid", word: "--nope" }]);
  });
  it("takes values attached (=, :, short) or as the next word", () => {
    assert.deepEqual(all(["--dial=a=b", "--dial:c", "-Dxyz", "-D", "-Q"]).out, [["dial", "a=b"], ["dial", "c"], ["data", "xyz"], ["data", "-Q"], { kind: "end" }]);
    assert.deepEqual(all(["--dial"]).out, [{ kind: "noarg", word: "--dial" }]);
    assert.deepEqual(all(["--quoted=1"]).out, [{ kind: "invalid", word: "--quoted=1" }]);
    assert.deepEqual(all(["-QQ"]).out, [{ kind: "invalid", word: "-QQ" }]);
  });
  it("stops at the first word that is not an option; a lone - is consumed", () => {
    assert.deepEqual(all(["-Q", "file", "-Q"]), { out: [["quoted", ""], { kind: "end" }], index: 1 });
    assert.deepEqual(all(["-", "-Q"]), { out: [{ kind: "end" }], index: 1 });
  });
});
