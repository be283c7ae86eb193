import * as fs from "node:fs";
import * as net from "node:net";
import { NngError } from "../core/errors.js";
import type { OptionSpec, OptionValue, SockAddr } from "../core/options.js";
import { abstractName, type NngUrl } from "../core/url.js";
import { negotiate } from "./stream.js";
import { bindServer, StreamListener } from "./tcp.js";
import type { Connection, EndpointConfig, Transport, TransportDialer } from "./transport.js";

/** The Node path for an ipc/unix/abstract URL (abstract names start with a NUL byte). */
function nodePath(url: NngUrl): string {
  if (url.scheme === "abstract") {
    let s = "\0";
    for (const b of abstractName(url)) s += String.fromCharCode(b);
    return s;
  }
  if (url.path === "") throw new NngError("EADDRINVAL", "ipc URL without a path");
  return url.path;
}

/** libnng 1.5.2 refuses longer ipc paths when the endpoint is created (shorter ones beyond sun_path's 107 bytes fail when used). */
const IPC_PATH_MAX = 128;

/** What nng_dialer_create / nng_listener_create refuse for ipc and unix: no path, or one over 128 bytes. */
function checkIpcAddress(url: NngUrl): void {
  if (url.scheme === "abstract") return;
  if (url.path === "") throw new NngError("EADDRINVAL", "ipc URL without a path");
  if (Buffer.byteLength(url.path) > IPC_PATH_MAX) throw new NngError("EADDRINVAL", `ipc path over ${IPC_PATH_MAX} bytes`);
}

function ipcAddress(url: NngUrl): SockAddr {
  return url.scheme === "abstract" ? { family: "abstract", path: url.path } : { family: "ipc", path: url.path };
}

class IpcDialer implements TransportDialer {
  private pending: net.Socket | null = null;
  private closed = false;

  constructor(
    private readonly url: NngUrl,
    private readonly config: EndpointConfig,
  ) {}

  connect(done: (err: NngError | null, conn: Connection | null) => void): void {
    let path: string;
    try {
      if (this.closed) throw new NngError("ECLOSED");
      path = nodePath(this.url);
    } catch (e) {
      queueMicrotask(() => done(e as NngError, null));
      return;
    }
    const sock = net.connect({ path });
    this.pending = sock;
    const onError = (e: Error): void => {
      this.pending = null;
      sock.destroy();
      done(NngError.fromSystem(e), null);
    };
    sock.once("error", onError);
    sock.once("connect", () => {
      sock.off("error", onError);
      const addr = ipcAddress(this.url);
      // pending stays set during the handshake so that close() abandons it too
      negotiate(sock, this.config, { ipc: true, localAddress: addr, remoteAddress: addr }, (err, conn) => {
        this.pending = null;
        done(err, conn);
      });
    });
  }

  close(): void {
    this.closed = true;
    this.pending?.destroy(new NngError("ECLOSED"));
  }

  getOption(name: string): OptionValue | undefined {
    return name === "url" ? this.url.raw : undefined;
  }
}

class IpcListener extends StreamListener {
  constructor(
    private readonly url: NngUrl,
    config: EndpointConfig,
  ) {
    super(config);
  }

  protected bind(server: net.Server, done: (err: NngError | null) => void): void {
    let path: string;
    try {
      path = nodePath(this.url);
    } catch (e) {
      queueMicrotask(() => done(e as NngError));
      return;
    }
    const finish = (err: NngError | null): void => {
      if (!err) {
        const perms = this.config.option("ipc:permissions");
        if (typeof perms === "number" && perms > 0 && this.url.scheme !== "abstract") {
          try {
            fs.chmodSync(path, perms);
          } catch (e) {
            server.close();
            return done(NngError.fromSystem(e));
          }
        }
      }
      done(err);
    };
    bindServer(server, { path }, (err) => {
      if (err?.code !== "EADDRINUSE" || this.url.scheme === "abstract") return finish(err);
      // A socket file nobody listens on is stale: remove it and bind again, as NNG does.
      const probe = net.connect({ path });
      probe.once("connect", () => {
        probe.destroy();
        finish(err);
      });
      probe.once("error", (e: NodeJS.ErrnoException) => {
        if (e.code !== "ECONNREFUSED") return finish(err);
        try {
          fs.unlinkSync(path);
        } catch {
          return finish(err);
        }
        bindServer(server, { path }, finish);
      });
    });
  }

  protected setup() {
    const addr = ipcAddress(this.url);
    return { ipc: true, localAddress: addr, remoteAddress: addr };
  }

  getOption(name: string): OptionValue | undefined {
    if (name === "url") return this.url.raw;
    if (name === "local-address") return ipcAddress(this.url);
    return undefined;
  }
}

const ipcOptions: OptionSpec[] = [{ name: "ipc:permissions", kind: "int", min: 0, max: 0o7777 }];

export const ipcTransport: Transport = {
  schemes: process.platform === "linux" ? ["ipc", "unix", "abstract"] : ["ipc", "unix"],
  options: ipcOptions,
  checkAddress: checkIpcAddress,
  dialer: (url, config) => new IpcDialer(url, config),
  listener: (url, config) => new IpcListener(url, config),
};
