// Throwaway certificates for TLS tests (tls+tcp, wss), made with `openssl` into a fresh temp dir.
// EC P-256 keys: quick to make, and libnng's mbedTLS 2.x reads them.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** One certificate with its key, as PEM text and as files. */
export interface CertFiles {
  /** Certificate (PEM). */
  readonly cert: string;
  /** Private key, unencrypted PKCS#8 (PEM). */
  readonly key: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** Certificate then key in one file: NNG's `tls-cert-key-file`. */
  readonly bundleFile: string;
}

export interface TestCerts {
  readonly dir: string;
  /** The CA that signed `server` and `client`. */
  readonly ca: CertFiles;
  /** CN=localhost, SANs localhost, 127.0.0.1, ::1 (DNS and IP forms: mbedTLS 2 matches DNS names only). */
  readonly server: CertFiles;
  /** CN=nngts-client, SAN DNS:nngts-client. */
  readonly client: CertFiles;
  /** A second, unrelated CA, and a server certificate (same names as `server`) signed by it. */
  readonly otherCa: CertFiles;
  readonly otherServer: CertFiles;
  /** Removes the directory. */
  cleanup(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"], timeout: 30_000 });
}

function newKey(dir: string, name: string): string {
  const file = join(dir, `${name}.key`);
  openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", file], dir);
  return file;
}

function files(dir: string, name: string, certFile: string, keyFile: string): CertFiles {
  const cert = readFileSync(certFile, "utf8");
  const key = readFileSync(keyFile, "utf8");
  const bundleFile = join(dir, `${name}-bundle.pem`);
  writeFileSync(bundleFile, cert + key);
  return { cert, key, certFile, keyFile, bundleFile };
}

function makeCa(dir: string, name: string): CertFiles {
  const keyFile = newKey(dir, name);
  const certFile = join(dir, `${name}.pem`);
  openssl(
    [
      "req", "-x509", "-new", "-key", keyFile, "-out", certFile, "-days", "2", "-subj", `/CN=${name}`,
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    ],
    dir,
  );
  return files(dir, name, certFile, keyFile);
}

function makeLeaf(dir: string, name: string, cn: string, sans: string, ca: CertFiles, usage: string): CertFiles {
  const keyFile = newKey(dir, name);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  const certFile = join(dir, `${name}.pem`);
  openssl(["req", "-new", "-key", keyFile, "-out", csr, "-subj", `/CN=${cn}`], dir);
  writeFileSync(ext, `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=${usage}\nsubjectAltName=${sans}\n`);
  openssl(
    ["x509", "-req", "-in", csr, "-CA", ca.certFile, "-CAkey", ca.keyFile, "-CAcreateserial", "-days", "2", "-out", certFile, "-extfile", ext],
    dir,
  );
  return files(dir, name, certFile, keyFile);
}

const SERVER_SANS = "DNS:localhost,DNS:127.0.0.1,DNS:::1,IP:127.0.0.1,IP:::1";

/** Makes a CA, a server and a client certificate it signed, and an unrelated CA and server. */
export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), "nngts-certs-"));
  try {
    const ca = makeCa(dir, "ca");
    const otherCa = makeCa(dir, "other-ca");
    return {
      dir,
      ca,
      server: makeLeaf(dir, "server", "localhost", SERVER_SANS, ca, "serverAuth"),
      client: makeLeaf(dir, "client", "nngts-client", "DNS:nngts-client", ca, "clientAuth"),
      otherCa,
      otherServer: makeLeaf(dir, "other-server", "localhost", SERVER_SANS, otherCa, "serverAuth"),
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
