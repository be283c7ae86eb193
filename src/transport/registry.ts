import { NngError } from "../core/errors.js";
import type { OptionSpec } from "../core/options.js";
import type { Transport } from "./transport.js";

const bySchema = new Map<string, Transport>();

/**
 * Two specs of one option name agree when they accept and refuse the same values: a socket takes
 * the spec of whichever transport it finds first, and hands the value to endpoints of all of them.
 */
function sameSpec(a: OptionSpec, b: OptionSpec): boolean {
  return (
    a.kind === b.kind &&
    Boolean(a.readOnly) === Boolean(b.readOnly) &&
    Boolean(a.writeOnly) === Boolean(b.writeOnly) &&
    a.min === b.min &&
    a.max === b.max &&
    a.check === b.check
  );
}

/**
 * Makes a transport available for its URL schemes (later registrations win). Throws EINVAL when
 * it declares an option that another registered transport declares differently.
 */
export function registerTransport(transport: Transport): void {
  const others = registeredTransports().filter((t) => t !== transport && t.schemes.some((s) => !transport.schemes.includes(s)));
  for (const spec of transport.options) {
    for (const other of others) {
      if (other.options.some((o) => o.name === spec.name && !sameSpec(o, spec))) {
        throw new NngError("EINVAL", `option ${spec.name} of ${transport.schemes[0]}:// differs from that of ${other.schemes[0]}://`);
      }
    }
  }
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
