// NNG checks some addresses when a dialer or listener is created, before it starts; nngcat then says
// "Unable to create dialer for ...", not "Unable to dial on ...". nngts' transports check when they
// start, so the tool repeats NNG's creation-time checks (libnng 1.5.2) to keep nngcat's messages.
import { isIP } from "node:net";
import { NngError } from "../core/errors.js";
import { parseUrl } from "../core/url.js";

const TCP_SCHEMES = new Set(["tcp", "tcp4", "tcp6", "tls+tcp", "tls+tcp4", "tls+tcp6"]);
/** Longer ipc paths fail at creation in libnng 1.5.2 (shorter ones over sun_path's 107 fail when used). */
const IPC_PATH_MAX = 128;

function validPort(port: string): boolean {
  return /^\d+$/.test(port) && Number(port) <= 65535;
}

/** The error NNG's nng_dialer_create / nng_listener_create would give for `url`, or null. */
export function creationError(mode: "dial" | "listen", url: string): NngError | null {
  let u;
  try {
    u = parseUrl(url);
  } catch (e) {
    return NngError.fromSystem(e);
  }
  if (TCP_SCHEMES.has(u.scheme)) {
    if (mode === "dial") return u.hostname === "" || u.port === "" ? new NngError("EADDRINVAL") : null;
    // A listener resolves its address when created: a bad port or an impossible IP literal fails here.
    if (u.port !== "" && !validPort(u.port)) return new NngError("EADDRINVAL");
    const host = u.hostname;
    if (host !== "" && host !== "*" && isIP(host) === 0 && /^[\d.]+$/.test(host)) return new NngError("EADDRINVAL");
    return null;
  }
  if (u.scheme === "ipc" || u.scheme === "unix") {
    const path = u.path;
    if (path === "" || Buffer.byteLength(path) > IPC_PATH_MAX) return new NngError("EADDRINVAL");
  }
  return null;
}
