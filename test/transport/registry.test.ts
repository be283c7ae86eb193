// The transport registry: one spec per option name across transports, whatever the registration order.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { NngError, Pair0 } from "../../src/index.js";
import type { OptionSpec } from "../../src/core/options.js";
import { registeredTransports, registerTransport, transportFor } from "../../src/transport/registry.js";
import { TLS_OPTIONS } from "../../src/transport/tls-config.js";
import type { Transport } from "../../src/transport/transport.js";

function fake(scheme: string, options: readonly OptionSpec[]): Transport {
  const refuse = (): never => {
    throw new NngError("ENOTSUP", scheme);
  };
  return { schemes: [scheme], options, dialer: refuse, listener: refuse };
}

describe("transport registry", () => {
  test("the built-in transports declare every shared option name alike (tls-* of tls+tcp and wss, tcp-*)", () => {
    const seen = new Map<string, { spec: OptionSpec; scheme: string }>();
    let shared = 0;
    for (const t of registeredTransports()) {
      for (const spec of t.options) {
        const first = seen.get(spec.name);
        if (!first) {
          seen.set(spec.name, { spec, scheme: t.schemes[0]! });
          continue;
        }
        shared++;
        const { check: a, ...restA } = first.spec;
        const { check: b, ...restB } = spec;
        assert.deepEqual(restB, restA, `${spec.name}: ${t.schemes[0]} vs ${first.scheme}`);
        assert.equal(a, b, `${spec.name}: same check`);
      }
    }
    assert.ok(shared >= TLS_OPTIONS.length, "wss and tls+tcp share the TLS options");
    assert.equal(transportFor("wss").options.find((o) => o.name === "tls-ca-file"), transportFor("tls+tcp").options.find((o) => o.name === "tls-ca-file"));
  });

  test("a transport declaring a known option differently is refused (EINVAL) and not registered", () => {
    const writable = { name: "tls-ca-file", kind: "string" } as const;
    assert.throws(() => registerTransport(fake("conflict", [writable])), (e: unknown) => e instanceof NngError && e.code === "EINVAL");
    assert.throws(() => transportFor("conflict"), { code: "ENOTSUP" });
    // The socket still sees NNG's spec: write-only, its file checked when set.
    const s = new Pair0();
    try {
      assert.throws(() => s.setOption("tls-ca-file", "/nonexistent/ca.pem"), { code: "ENOENT" });
    } finally {
      void s.close();
    }
  });

  test("the same specs, or a new option, register fine; replacing a transport's schemes is not a conflict", () => {
    registerTransport(fake("alike", TLS_OPTIONS));
    registerTransport(fake("fresh", [{ name: "fresh:knob", kind: "int" }]));
    assert.equal(transportFor("alike").options, TLS_OPTIONS);
    // A new transport for "fresh" replaces the old one, so its different spec conflicts with nothing.
    registerTransport(fake("fresh", [{ name: "fresh:knob", kind: "bool" }]));
    assert.equal(transportFor("fresh").options[0]!.kind, "bool");
  });
});
