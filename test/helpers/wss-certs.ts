// A throwaway self-signed certificate for wss tests, made with openssl. "127.0.0.1" is in it both
// as an IP address (Node checks those) and as a DNS name (what libnng's mbedTLS compares).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCert {
  readonly dir: string;
  /** PEM certificate (also the CA to trust: it signs itself). */
  readonly cert: string;
  /** PEM private key. */
  readonly key: string;
  /** Certificate then key in one PEM file (NNG's tls-cert-key-file). */
  readonly certKey: string;
  remove(): void;
}

/** Generates a fresh P-256 certificate valid for two days; call `remove()` when done. */
export function makeTestCert(): TestCert {
  const dir = mkdtempSync(join(tmpdir(), "nngts-cert-"));
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  const certKey = join(dir, "cert-key.pem");
  execFileSync(
    "openssl",
    [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
      "-addext", "subjectAltName=DNS:localhost,DNS:127.0.0.1,IP:127.0.0.1",
    ],
    { stdio: "ignore", timeout: 30_000 },
  );
  writeFileSync(certKey, Buffer.concat([readFileSync(cert), readFileSync(key)]));
  return { dir, cert, key, certKey, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
