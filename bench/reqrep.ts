// req0/rep0 are optional: the benchmark measures req/rep latency only once those protocols exist.
import type { ProtocolFactory } from "../src/index.js";

export interface ReqRep {
  req: ProtocolFactory;
  rep: ProtocolFactory;
}

function isFactory(v: unknown): v is ProtocolFactory {
  if (typeof v !== "object" || v === null) return false;
  const f = v as { info?: { name?: unknown }; create?: unknown };
  return typeof f.create === "function" && typeof f.info === "object" && f.info !== null;
}

async function factoryFrom(specifier: string, name: string): Promise<ProtocolFactory | null> {
  try {
    const mod = (await import(specifier)) as Record<string, unknown>;
    const named = mod[name];
    if (isFactory(named)) return named;
    for (const v of Object.values(mod)) if (isFactory(v) && v.info.name === name.replace(/0$/, "")) return v;
    return null;
  } catch {
    return null;
  }
}

let loaded: Promise<ReqRep | null> | undefined;

/** The req0 and rep0 protocol factories, or null when either module is missing or unusable. */
export function loadReqRep(): Promise<ReqRep | null> {
  loaded ??= (async () => {
    // Specifiers held in variables: tsc must not resolve modules that may not exist yet.
    const reqPath = "../src/protocol/req0.js";
    const repPath = "../src/protocol/rep0.js";
    const [req, rep] = await Promise.all([factoryFrom(reqPath, "req0"), factoryFrom(repPath, "rep0")]);
    return req && rep ? { req, rep } : null;
  })();
  return loaded;
}
