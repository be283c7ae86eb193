// NNG's TLS options for wss:// endpoints, turned into Node TLS options.
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import type { ConnectionOptions, TlsOptions } from "node:tls";
import { NngError } from "../core/errors.js";
import type { OptionSpec } from "../core/options.js";
import type { EndpointConfig } from "./transport.js";

/** nng_tls_auth_mode. */
export const TLS_AUTH_NONE = 0;
export const TLS_AUTH_OPTIONAL = 1;
export const TLS_AUTH_REQUIRED = 2;

export const WSS_TLS_OPTIONS: readonly OptionSpec[] = [
  { name: "tls-ca-file", kind: "string" },
  { name: "tls-cert-key-file", kind: "string" },
  { name: "tls-server-name", kind: "string" },
  { name: "tls-authmode", kind: "int", min: TLS_AUTH_NONE, max: TLS_AUTH_REQUIRED },
  { name: "tls-verified", kind: "bool", readOnly: true },
];

function pemFile(config: EndpointConfig, name: string): Buffer | undefined {
  const path = config.option(name);
  if (typeof path !== "string" || path === "") return undefined;
  try {
    return readFileSync(path);
  } catch (e) {
    throw new NngError("EINVAL", `${name}: cannot read ${path}: ${(e as Error).message}`);
  }
}

function authMode(config: EndpointConfig, fallback: number): number {
  const v = config.option("tls-authmode");
  return typeof v === "number" ? v : fallback;
}

/** A dialer verifies the server unless tls-authmode is none, as NNG's clients do. */
export function tlsClientOptions(config: EndpointConfig, host: string): ConnectionOptions {
  const ca = pemFile(config, "tls-ca-file");
  const certKey = pemFile(config, "tls-cert-key-file");
  const name = config.option("tls-server-name");
  const servername = typeof name === "string" && name !== "" ? name : isIP(host) ? undefined : host;
  return {
    rejectUnauthorized: authMode(config, TLS_AUTH_REQUIRED) === TLS_AUTH_REQUIRED,
    ...(ca ? { ca } : {}),
    ...(certKey ? { cert: certKey, key: certKey } : {}),
    ...(servername ? { servername } : {}),
  };
}

/** A listener needs its certificate and key (one PEM file); clients are not asked for one by default. */
export function tlsServerOptions(config: EndpointConfig): TlsOptions {
  const certKey = pemFile(config, "tls-cert-key-file");
  if (!certKey) throw new NngError("EINVAL", "a wss listener needs tls-cert-key-file");
  const ca = pemFile(config, "tls-ca-file");
  const mode = authMode(config, TLS_AUTH_NONE);
  return {
    cert: certKey,
    key: certKey,
    requestCert: mode !== TLS_AUTH_NONE,
    rejectUnauthorized: mode === TLS_AUTH_REQUIRED,
    ...(ca ? { ca } : {}),
  };
}
