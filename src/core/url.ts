/**
 * URL parsing as done by NNG 1.x's nng_url_parse (checked against libnng 1.5.2).
 *
 * Where libnng reports NULL (no userinfo, no query, ...) the fields here are "".
 * ipc, unix, inproc and abstract URLs are opaque: everything after "scheme://"
 * is the path, untouched. Other URLs have their request URI canonicalised the
 * way NNG does it (safe %XX escapes decoded, "//" collapsed, "." and ".."
 * segments resolved, UTF-8 checked).
 */
import { NngError } from "./errors.js";

/** A parsed URL (nng_url), as `parseUrl` returns it. */
export interface NngUrl {
  /** The string given to parseUrl. */
  readonly raw: string;
  /** Lower-cased scheme. */
  readonly scheme: string;
  /** The "user:password" part before "@", or "". */
  readonly userinfo: string;
  /** Lower-cased hostname[:port]; brackets kept for IPv6, a leading "*" dropped. */
  readonly host: string;
  /** Lower-cased host name without brackets; "" for none (also for "*"). */
  readonly hostname: string;
  /** The port as written, or the scheme's default (ws/http 80, wss/https 443, ...), else "". */
  readonly port: string;
  /** Opaque schemes: everything after "scheme://". Others: the canonical URL path ("" or "/..."). */
  readonly path: string;
  /** The part after "?", without it, or "". */
  readonly query: string;
  /** The part after "#", without it, or "". */
  readonly fragment: string;
  /** path, then "?query" and "#fragment" if present (libnng's u_requri). "" when all are absent. */
  readonly requestUri: string;
}

const OPAQUE_SCHEMES = new Set(["ipc", "unix", "abstract", "inproc"]);

const DEFAULT_PORTS: Record<string, string> = {
  git: "9418",
  gopher: "70",
  http: "80",
  https: "443",
  ssh: "22",
  telnet: "23",
  ws: "80",
  wss: "443",
};

/** Longest abstract socket name: sun_path (108) less the leading NUL. */
const ABSTRACT_NAME_MAX = 107;

function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** NNG's default port for a scheme; a "4" or "6" suffix (ws4, https6) counts too. */
export function defaultPort(scheme: string): string {
  const base = /[46]$/.test(scheme) ? scheme.slice(0, -1) : scheme;
  return DEFAULT_PORTS[scheme] ?? DEFAULT_PORTS[base] ?? "";
}

function einval(detail: string): NngError {
  return new NngError("EINVAL", detail);
}

function hexValue(c: string | undefined): number {
  if (c === undefined || !/^[0-9A-Fa-f]$/.test(c)) return -1;
  return parseInt(c, 16);
}

/** Strict UTF-8 decode of a complete byte run; undefined if malformed. */
function decodeUtf8(bytes: number[]): string | undefined {
  let out = "";
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let need: number;
    let min: number;
    let cp: number;
    if (b < 0x80) {
      need = 0;
      min = 0;
      cp = b;
    } else if ((b & 0xe0) === 0xc0) {
      need = 1;
      min = 0x80;
      cp = b & 0x1f;
    } else if ((b & 0xf0) === 0xe0) {
      need = 2;
      min = 0x800;
      cp = b & 0x0f;
    } else if ((b & 0xf8) === 0xf0) {
      need = 3;
      min = 0x10000;
      cp = b & 0x07;
    } else {
      return undefined;
    }
    i++;
    for (let k = 0; k < need; k++, i++) {
      const c = bytes[i];
      if (c === undefined || (c & 0xc0) !== 0x80) return undefined;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
    out += String.fromCodePoint(cp);
  }
  return out;
}

function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
      else return true;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return true;
    }
  }
  return false;
}

function isUnreserved(b: number): boolean {
  return (
    (b >= 0x41 && b <= 0x5a) ||
    (b >= 0x61 && b <= 0x7a) ||
    (b >= 0x30 && b <= 0x39) ||
    b === 0x2e || // .
    b === 0x7e || // ~
    b === 0x5f || // _
    b === 0x2d // -
  );
}

/** The request URI after NNG's nni_url_canonify_uri. */
function canonifyUri(uri: string): string {
  if (hasLoneSurrogate(uri)) throw einval("malformed UTF-8");

  // Pass 1: decode %XX of unreserved characters and of UTF-8 bytes; keep the
  // other escapes, upper-cased.
  let s = "";
  for (let i = 0; i < uri.length; ) {
    if (uri[i] !== "%") {
      s += uri[i];
      i++;
      continue;
    }
    const run: number[] = [];
    while (uri[i] === "%") {
      const hi = hexValue(uri[i + 1]);
      const lo = hexValue(uri[i + 2]);
      if (hi < 0 || lo < 0) throw einval("bad % escape");
      const b = hi * 16 + lo;
      if (b < 0x80) {
        if (run.length > 0) break; // ends the run of UTF-8 bytes
        s += isUnreserved(b) ? String.fromCharCode(b) : `%${uri.slice(i + 1, i + 3).toUpperCase()}`;
        i += 3;
        break;
      }
      run.push(b);
      i += 3;
    }
    if (run.length > 0) {
      // Escaped high bytes can only be valid UTF-8 on their own: a literal
      // character around them would start or end a sequence.
      const text = decodeUtf8(run);
      if (text === undefined) throw einval("malformed UTF-8");
      s += text;
    }
  }

  // Pass 2: collapse runs of "/" in the path (not in the query or fragment).
  let t = "";
  let inPath = true;
  for (let i = 0; i < s.length; ) {
    const c = s[i]!;
    if (inPath && c === "/") {
      t += "/";
      while (s[i] === "/") i++;
      continue;
    }
    if (c === "?" || c === "#") inPath = false;
    t += c;
    i++;
  }

  // Pass 3: resolve "." and ".." segments in the path.
  const endsSegment = (c: string | undefined) => c === undefined || c === "/" || c === "?" || c === "#";
  const out: string[] = [];
  inPath = true;
  for (let i = 0; i < t.length; ) {
    const c = t[i]!;
    if (inPath && c === "/") {
      if (t.startsWith("/..", i) && endsSegment(t[i + 3])) {
        // Drop the last segment written, including its "/".
        while (out.length > 0 && out.pop() !== "/");
        i += 3;
        continue;
      }
      if (t.startsWith("/.", i) && endsSegment(t[i + 2])) {
        i += 2;
        continue;
      }
      out.push("/");
      i++;
      continue;
    }
    if (c === "?" || c === "#") inPath = false;
    out.push(c);
    i++;
  }
  return out.join("");
}

/**
 * Parse like nng_url_parse. Throws NngError EINVAL when there is no "://", for
 * a bad IPv6 literal, an empty port after ":", two userinfo parts, a bad %
 * escape or malformed UTF-8 in the request URI. Unknown schemes are accepted.
 */
export function parseUrl(raw: string): NngUrl {
  if (raw.includes("\0")) throw einval("NUL in URL");
  const colon = raw.indexOf(":");
  if (colon < 0 || !raw.startsWith("://", colon)) throw einval(`not a URL: ${raw}`);
  const scheme = asciiLower(raw.slice(0, colon));
  const rest = raw.slice(colon + 3);

  if (OPAQUE_SCHEMES.has(scheme)) {
    return {
      raw,
      scheme,
      userinfo: "",
      host: "",
      hostname: "",
      port: "",
      path: rest,
      query: "",
      fragment: "",
      requestUri: "",
    };
  }

  // libnng 1.5.2 never takes the character right after "@" as the end of the
  // authority (so "u@/p" gives host "/p"); we end it there like any URL parser.
  let end = rest.search(/[/?#]/);
  if (end < 0) end = rest.length;
  let authority = rest.slice(0, end);
  let userinfo = "";
  const at = authority.indexOf("@");
  if (at >= 0) {
    userinfo = authority.slice(0, at);
    authority = authority.slice(at + 1);
    if (authority.includes("@")) throw einval("more than one userinfo");
  }
  // "*" means "no host" (nanomsg compatibility).
  if (authority === "*" || authority.startsWith("*:")) authority = authority.slice(1);
  const host = asciiLower(authority);

  const requestUri = canonifyUri(rest.slice(end));
  const qm = requestUri.search(/[?#]/);
  const path = qm < 0 ? requestUri : requestUri.slice(0, qm);
  let query = "";
  let fragment = "";
  if (qm >= 0) {
    const hash = requestUri.indexOf("#", qm);
    if (requestUri[qm] === "?") {
      query = requestUri.slice(qm + 1, hash < 0 ? undefined : hash);
    }
    if (hash >= 0) fragment = requestUri.slice(hash + 1);
  }

  let hostname: string;
  let after: string;
  if (host.startsWith("[")) {
    const close = host.indexOf("]");
    if (close < 0) throw einval("unterminated IPv6 literal");
    hostname = host.slice(1, close);
    after = host.slice(close + 1);
    if (after !== "" && !after.startsWith(":")) throw einval("junk after IPv6 literal");
  } else {
    const c = host.indexOf(":");
    hostname = c < 0 ? host : host.slice(0, c);
    after = c < 0 ? "" : host.slice(c);
  }
  let port: string;
  if (after.startsWith(":")) {
    // Kept as written ("abc", "1:2" ...); socketAddress judges it.
    port = after.slice(1);
    if (port === "") throw einval("empty port");
  } else {
    port = defaultPort(scheme);
  }

  return { raw, scheme, userinfo, host, hostname, port, path, query, fragment, requestUri };
}

/**
 * The URL as NNG prints it (nni_url_asprintf): lower-case scheme and host, no
 * userinfo, default port left out, canonical request URI. `port` > 0 replaces
 * the port, as NNG does to report the port a listener bound for ":0".
 */
export function formatUrl(url: NngUrl, port?: number): string {
  if (OPAQUE_SCHEMES.has(url.scheme)) return `${url.scheme}://${url.path}`;
  const p = port !== undefined && port > 0 ? String(port) : url.port;
  const portPart = p === "" || p === defaultPort(url.scheme) ? "" : `:${p}`;
  const host = url.hostname === "*" ? "" : url.hostname;
  const h = host.includes(":") ? `[${host}]` : host;
  return `${url.scheme}://${h}${portPart}${url.requestUri}`;
}

function eaddrinval(detail: string): NngError {
  return new NngError("EADDRINVAL", detail);
}

/** Port as getaddrinfo reads a numeric service (strtoul: blanks, sign, decimal). */
function parsePort(port: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/.exec(port);
  if (!m) throw eaddrinval(`bad port: ${port}`); // includes service names like "http"
  const n = Number(m[2]);
  if (m[1] === "-" ? n !== 0 : n > 65535) throw eaddrinval(`bad port: ${port}`);
  return n;
}

const IPV4_LITERAL = /^[0-9]+(\.[0-9]+){0,3}$/;

/**
 * Where to connect or bind for a tcp-like URL (tcp, tls+tcp, ws, wss, ...).
 * Family 4 or 6 comes from a scheme ending in "4" or "6", else 0.
 *
 * Dialing needs a host and a port. Listening with no host binds the wildcard
 * address the way libnng does: "0.0.0.0" (libnng gets IPv4 first from
 * getaddrinfo), "::" for the "6" schemes; with no port it binds port 0, but
 * neither host nor port ("tcp://") is EADDRINVAL. Ports are decimal numbers
 * up to 65535 (libnng also takes /etc/services names; we don't). An IP
 * literal of the wrong family for tcp4/tcp6 is EADDRINVAL. The path, query
 * etc. are not checked here; that is up to the transport.
 */
export function socketAddress(url: NngUrl, listening: boolean): { host: string; port: number; family: 0 | 4 | 6 } {
  const family: 0 | 4 | 6 = url.scheme.endsWith("4") ? 4 : url.scheme.endsWith("6") ? 6 : 0;
  let host = url.hostname === "*" ? "" : url.hostname;
  if (host === "") {
    if (!listening) throw eaddrinval("no host to dial");
    if (url.port === "") throw eaddrinval("no host and no port");
    host = family === 6 ? "::" : "0.0.0.0";
  } else if (family === 4 && host.includes(":")) {
    throw eaddrinval(`not an IPv4 address: ${host}`);
  } else if (family === 6 && IPV4_LITERAL.test(host)) {
    throw eaddrinval(`not an IPv6 address: ${host}`);
  }
  if (url.port === "" && !listening) throw eaddrinval("no port to dial");
  const port = url.port === "" ? 0 : parsePort(url.port);
  return { host, port, family };
}

function encodeUtf8(s: string, into: number[]): void {
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) throw eaddrinval("lone surrogate in name");
    if (cp < 0x80) into.push(cp);
    else if (cp < 0x800) into.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) into.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else
      into.push(
        0xf0 | (cp >> 18),
        0x80 | ((cp >> 12) & 0x3f),
        0x80 | ((cp >> 6) & 0x3f),
        0x80 | (cp & 0x3f),
      );
  }
}

/**
 * The bytes of an abstract:// socket name (without the leading NUL that
 * marks the abstract namespace): every %XX decoded, anything else as UTF-8.
 * EADDRINVAL for a bad escape or a name over 107 bytes, as libnng. An empty
 * name is valid: the kernel picks one when listening (autobind).
 */
export function abstractName(url: NngUrl): Uint8Array {
  const bytes: number[] = [];
  const p = url.path;
  for (let i = 0; i < p.length; ) {
    if (p[i] === "%") {
      const hi = hexValue(p[i + 1]);
      const lo = hexValue(p[i + 2]);
      if (hi < 0 || lo < 0) throw eaddrinval("bad % escape in abstract name");
      bytes.push(hi * 16 + lo);
      i += 3;
    } else {
      const cp = p.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      encodeUtf8(ch, bytes);
      i += ch.length;
    }
  }
  if (bytes.length > ABSTRACT_NAME_MAX) throw eaddrinval("abstract name too long");
  return Uint8Array.from(bytes);
}
