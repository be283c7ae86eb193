// NNG's TLS options on Node's tls: settings from options, error mapping (no network here).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { NngError, type OptionValue } from "../../src/index.js";
import { isTlsErrorCode, TLS_AUTH_MODE, tlsClientOptions, tlsError, tlsServerName, tlsServerOptions, tlsSettings } from "../../src/transport/tls-config.js";
import type { EndpointConfig } from "../../src/transport/transport.js";
import { makeTestCerts, type TestCerts } from "../helpers/certs.js";

let certs: TestCerts;

function config(options: Record<string, OptionValue>): EndpointConfig {
  return { proto: 0x10, option: (name) => options[name] };
}

describe("tls-config", () => {
  before(() => {
    certs = makeTestCerts();
  });
  after(() => certs.cleanup());

  test("NNG's defaults: a client requires a verified server, a server asks for no client certificate", () => {
    const client = tlsSettings(config({}), false);
    assert.equal(client.authMode, TLS_AUTH_MODE.REQUIRED);
    assert.equal(tlsClientOptions(client, "localhost").rejectUnauthorized, true);
    const server = tlsSettings(config({ "tls-cert-key-file": certs.server.bundleFile }), true);
    assert.equal(server.authMode, TLS_AUTH_MODE.NONE);
    assert.equal(tlsServerOptions(server, 1000).requestCert, false);
    const strict = tlsSettings(config({ "tls-cert-key-file": certs.server.bundleFile, "tls-authmode": TLS_AUTH_MODE.REQUIRED }), true);
    assert.equal(tlsServerOptions(strict, 1000).requestCert, true);
    // TLS 1.2 at least, as NNG.
    assert.equal(client.options.minVersion, "TLSv1.2");
  });

  test("SNI only for host names; the name checked is the one given", () => {
    const s = tlsSettings(config({}), false);
    assert.equal(tlsClientOptions(s, "127.0.0.1").servername, undefined);
    assert.equal(tlsClientOptions(s, "::1").servername, undefined);
    assert.equal(tlsClientOptions(s, "localhost").servername, "localhost");
  });

  test("file options are read at start and win over tls-config; a server needs a certificate", () => {
    const s = tlsSettings(config({ "tls-config": { ca: certs.otherCa.cert, ciphers: "ECDHE-ECDSA-AES128-GCM-SHA256" }, "tls-ca-file": certs.ca.certFile }), false);
    assert.equal(s.options.ca, certs.ca.cert);
    assert.equal(s.options.ciphers, "ECDHE-ECDSA-AES128-GCM-SHA256");
    const withKey = tlsSettings(config({ "tls-cert-key-file": certs.client.bundleFile }), false);
    assert.equal(withKey.options.cert, certs.client.cert + certs.client.key);
    assert.throws(() => tlsSettings(config({}), true), { code: "EINVAL" });
    assert.throws(() => tlsSettings(config({ "tls-ca-file": `${certs.dir}/gone.pem` }), false), { code: "ENOENT" });
  });

  test("tlsError maps Node's TLS failures to NNG's codes (as libnng with mbedTLS)", () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    assert.equal(tlsError(err("UNABLE_TO_VERIFY_LEAF_SIGNATURE")).code, "ECRYPTO");
    assert.equal(tlsError(err("DEPTH_ZERO_SELF_SIGNED_CERT")).code, "ECRYPTO");
    assert.equal(tlsError(err("ERR_TLS_CERT_ALTNAME_INVALID")).code, "ECRYPTO");
    assert.equal(tlsError(err("ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE")).code, "ECRYPTO");
    assert.equal(tlsError(err("ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE")).code, "EPEERAUTH");
    assert.equal(tlsError(err("ERR_SSL_NO_SHARED_CIPHER")).code, "EPEERAUTH");
    assert.equal(tlsError(err("ERR_TLS_HANDSHAKE_TIMEOUT")).code, "ETIMEDOUT");
    assert.equal(tlsError(err("ERR_INVALID_ARG_TYPE")).code, "EINVAL");
    assert.equal(tlsError(err("ECONNRESET")).code, "ECONNRESET");
    assert.equal(tlsError(new Error("no code")).code, "ECRYPTO");
    assert.equal(tlsError(new NngError("ECLOSED")).code, "ECLOSED");
  });

  test("isTlsErrorCode tells TLS failures (for wss's errors) from network and other Node codes", () => {
    for (const code of ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "CERT_HAS_EXPIRED", "ERROR_IN_CERT_NOT_BEFORE_FIELD", "ERR_TLS_CERT_ALTNAME_INVALID", "ERR_SSL_WRONG_VERSION_NUMBER", "ERR_OSSL_PEM_NO_START_LINE"]) {
      assert.equal(isTlsErrorCode(code), true, code);
    }
    for (const code of ["ECONNRESET", "EAI_AGAIN", "ERR_INVALID_URL", "ERR_STREAM_DESTROYED", "HPE_INVALID_CONSTANT", "WS_ERR_INVALID_OPCODE", "weird"]) {
      assert.equal(isTlsErrorCode(code), false, code);
    }
  });

  test("tlsServerName: tls-server-name, else the URL's host", () => {
    assert.equal(tlsServerName(config({}), "127.0.0.1"), "127.0.0.1");
    assert.equal(tlsServerName(config({ "tls-server-name": "" }), "host"), "host");
    assert.equal(tlsServerName(config({ "tls-server-name": "localhost" }), "127.0.0.1"), "localhost");
  });
});
