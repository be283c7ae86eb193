import { NngError } from "../core/errors.js";
import type { Transport } from "./transport.js";

const bySchema = new Map<string, Transport>();

/** Makes a transport available for its URL schemes (later registrations win). */
export function registerTransport(transport: Transport): void {
  for (const scheme of transport.schemes) bySchema.set(scheme, transport);
}

/** The transport for a URL scheme; ENOTSUP when none is registered. */
export function transportFor(scheme: string): Transport {
  const t = bySchema.get(scheme);
  if (!t) throw new NngError("ENOTSUP", `no transport for ${scheme}://`);
  return t;
}

export function registeredTransports(): Transport[] {
  return [...new Set(bySchema.values())];
}
