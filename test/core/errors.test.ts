import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ERRORS, errorCodeOf, NngError, type NngErrorCode } from "../../src/core/errors.js";

describe("NngError", () => {
  it("carries NNG's name, number and text for every code", () => {
    const expected: Array<[NngErrorCode, number, string]> = [
      ["EINTR", 1, "Interrupted"],
      ["ENOMEM", 2, "Out of memory"],
      ["EINVAL", 3, "Invalid argument"],
      ["ETIMEDOUT", 5, "Timed out"],
      ["ECLOSED", 7, "Object closed"],
      ["EAGAIN", 8, "Try again"],
      ["ENOTSUP", 9, "Not supported"],
      ["ESTATE", 11, "Incorrect state"],
      ["EMSGSIZE", 17, "Message too large"],
      ["ECANCELED", 20, "Operation canceled"],
      ["ECONNSHUT", 31, "Connection shutdown"],
      ["EINTERNAL", 1000, "Internal error"],
    ];
    for (const [code, errno, text] of expected) {
      const e = new NngError(code);
      assert.ok(e instanceof Error);
      assert.equal(e.name, "NngError");
      assert.equal(e.code, code);
      assert.equal(e.errno, errno);
      assert.equal(e.message, text);
    }
    assert.equal(Object.keys(ERRORS).length, 32);
    const numbers = Object.values(ERRORS).map(([n]) => n);
    assert.equal(new Set(numbers).size, numbers.length, "numbers are unique");
  });

  it("adds detail after NNG's text", () => {
    assert.equal(new NngError("EPROTO", "bad SP header").message, "Protocol error: bad SP header");
  });

  it("maps numbers and Node system errors", () => {
    assert.equal(NngError.fromErrno(6).code, "ECONNREFUSED");
    assert.equal(NngError.fromErrno(99999).code, "EINTERNAL");
    assert.equal(errorCodeOf(10), "EADDRINUSE");
    const sys = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    assert.equal(NngError.fromSystem(sys).code, "ECONNREFUSED");
    assert.equal(NngError.fromSystem(Object.assign(new Error("x"), { code: "EADDRINUSE" })).code, "EADDRINUSE");
    const same = new NngError("ECLOSED");
    assert.equal(NngError.fromSystem(same), same);
  });
});
