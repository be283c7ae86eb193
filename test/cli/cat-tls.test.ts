// nngcat's TLS flags (-k, --cacert, --cert/-E, --key) reach a TLS transport as NNG's endpoint options
// (tls-authmode, tls-ca-file, tls-cert-key-file); transports without them ignore them, as nngcat's do.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import { NngError, type OptionValue, registerTransport, type Transport } from "../../src/index.js";
import { runCat } from "../../src/cli/cat.js";
import { parseCatArgs } from "../../src/cli/cat-options.js";
import { Fatal } from "../../src/cli/fatal.js";
import { TLS_OPTIONS } from "../../src/transport/tls-config.js";
import { makeTestCerts } from "../helpers/certs.js";

// Real PEM files: the TLS options check what they are given when set.
const certs = makeTestCerts();
after(() => certs.cleanup());
const certKey = certs.client.bundleFile;
const ca = certs.ca.certFile;

/** What the fake transport saw when it was asked to connect. */
let seen: Record<string, OptionValue | undefined> = {};
let certKeyText = "";

const fakeTls: Transport = {
  schemes: ["faketls+tcp"],
  // the very specs of tls+tcp and wss: transports must agree on an option they share
  options: TLS_OPTIONS.filter((o) => ["tls-authmode", "tls-ca-file", "tls-cert-key-file"].includes(o.name)),
  dialer: (_url, config) => ({
    connect(done) {
      seen = Object.fromEntries(["tls-authmode", "tls-ca-file", "tls-cert-key-file"].map((n) => [n, config.option(n)]));
      const f = seen["tls-cert-key-file"];
      certKeyText = typeof f === "string" ? readFileSync(f, "utf8") : "";
      setImmediate(() => done(new NngError("ECONNREFUSED"), null));
    },
    close() {},
    getOption: () => undefined,
  }),
  listener: () => {
    throw new NngError("ENOTSUP");
  },
};
registerTransport(fakeTls);

async function dialWith(flags: string[]): Promise<string> {
  seen = {};
  certKeyText = "";
  try {
    await runCat(parseCatArgs(["--pair1", "--dial", "faketls+tcp://127.0.0.1:1", ...flags]));
  } catch (e) {
    if (e instanceof Fatal) return e.message;
    throw e;
  }
  return "";
}

describe("TLS flags", () => {
  it("-k --cacert --cert (certificate and key in one file)", async () => {
    assert.equal(await dialWith(["-k", "--cacert", ca, "--cert", certKey]), "Unable to dial on faketls+tcp://127.0.0.1:1: Connection refused");
    assert.deepEqual(seen, { "tls-authmode": 0, "tls-ca-file": ca, "tls-cert-key-file": certKey });
  });
  it("--cert and --key apart are joined into one file for tls-cert-key-file, removed afterwards", async () => {
    await dialWith(["-E", certs.client.certFile, "--key", certs.client.keyFile]);
    assert.equal(seen["tls-authmode"], undefined);
    assert.equal(certKeyText, `${readFileSync(certs.client.certFile, "utf8")}\n${readFileSync(certs.client.keyFile, "utf8")}`);
    assert.throws(() => readFileSync(String(seen["tls-cert-key-file"])));
  });
  it("transports without TLS options take the flags without complaint", async () => {
    assert.equal(await runCat(parseCatArgs(["--pull0", "--listen", "inproc://tls-flags", "-k", "--cacert", ca, "--recv-timeout", "1"])), undefined);
  });
});
