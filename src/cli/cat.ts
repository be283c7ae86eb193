// `nngts cat`: nngcat's send and receive loops (tools/nngcat/nngcat.c recvloop, resploop, sendloop, sendrecv).
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NngError } from "../core/errors.js";
import type { Dialer, Listener } from "../socket/endpoint.js";
import type { Socket } from "../socket/socket.js";
import { Bus0, Pair0, Pair1, Pub0, Pull0, Push0, Rep0, Req0, Respondent0, Sub0, Surveyor0 } from "../index.js";
import type { CatConfig, CatProto } from "./cat-options.js";
import { Fatal, sleep, strerror, writeOut } from "./fatal.js";
import { formatMessage } from "./formats.js";

const OPENERS: Record<CatProto, () => Socket> = {
  req0: () => new Req0(),
  rep0: () => new Rep0(),
  pub0: () => new Pub0(),
  sub0: () => new Sub0(),
  push0: () => new Push0(),
  pull0: () => new Pull0(),
  surveyor0: () => new Surveyor0(),
  respondent0: () => new Respondent0(),
  pair0: () => new Pair0(),
  pair1: () => new Pair1(),
  bus0: () => new Bus0(),
};

/** NNG_TLS_AUTH_MODE_NONE */
const TLS_AUTH_MODE_NONE = 0;
/** Quiet time after the last send, as nngcat ("give queues a chance to drain"). */
const DRAIN_MS = 200;

/** nng_clock(): whole milliseconds. */
function now(): number {
  return Math.floor(performance.now());
}

function isCode(e: unknown, ...codes: string[]): boolean {
  return e instanceof NngError && codes.includes(e.code);
}

class CatRun {
  private readonly temps: string[] = [];

  constructor(
    private readonly c: CatConfig,
    readonly sock: Socket,
  ) {}

  private async print(body: Uint8Array): Promise<void> {
    await writeOut(formatMessage(this.c.format, body));
  }

  private async send(): Promise<void> {
    try {
      await this.sock.send(this.c.data!);
    } catch (e) {
      throw new Fatal(`Send error: ${strerror(e)}`);
    }
  }

  configure(): void {
    const { c, sock } = this;
    for (const t of c.topics) {
      try {
        sock.setOption("sub:subscribe", t);
      } catch (e) {
        throw new Fatal(`Unable to subscribe to topic ${t}: ${strerror(e)}`);
      }
    }
    if (c.sendTimeout > 0) sock.setOption("send-timeout", c.sendTimeout);
    if (c.recvTimeout > 0) sock.setOption("recv-timeout", c.recvTimeout);
    if (c.recvMaxSize >= 0) {
      try {
        sock.setOption("recv-size-max", c.recvMaxSize);
      } catch (e) {
        throw new Fatal(`Unable to set max receive size: ${strerror(e)}`);
      }
    }
  }

  /** nngcat's configtls(): only endpoints whose transport has TLS options take them (others: ENOTSUP, skipped). */
  private configureTls(ep: Dialer | Listener): void {
    const { tls } = this.c;
    const settings: [string, string | number][] = [];
    if (tls.insecure) settings.push(["tls-authmode", TLS_AUTH_MODE_NONE]);
    if (tls.certFile) settings.push(["tls-cert-key-file", this.certKeyFile()]);
    if (tls.caFile) settings.push(["tls-ca-file", tls.caFile]);
    for (const [name, value] of settings) {
      try {
        ep.setOption(name, value);
      } catch (e) {
        if (isCode(e, "ENOTSUP")) return;
        throw new Fatal(`Unable to configure TLS: ${strerror(e)}`);
      }
    }
  }

  /** NNG's tls-cert-key-file holds certificate and key in one file; nngcat takes them apart (--cert, --key). */
  private certKeyFile(): string {
    const { certFile, keyFile } = this.c.tls;
    if (!keyFile || keyFile === certFile) return certFile!;
    const path = join(tmpdir(), `nngts-cat-${process.pid}-${randomBytes(4).toString("hex")}.pem`);
    writeFileSync(path, Buffer.concat([readFileSync(certFile!), Buffer.from("\n"), readFileSync(keyFile)]), { mode: 0o600 });
    this.temps.push(path);
    return path;
  }

  async startEndpoints(): Promise<void> {
    for (const a of this.c.addresses) {
      let ep: Dialer | Listener;
      try {
        ep = a.mode === "dial" ? this.sock.createDialer(a.url) : this.sock.createListener(a.url);
      } catch (e) {
        throw new Fatal(`Unable to create ${a.mode === "dial" ? "dialer" : "listener"} for ${a.url}: ${strerror(e)}`);
      }
      this.configureTls(ep);
      try {
        if (a.mode === "dial") await (ep as Dialer).start({ nonblock: this.c.async });
        else await (ep as Listener).start();
      } catch (e) {
        throw new Fatal(`Unable to ${a.mode} on ${a.url}: ${strerror(e)}`);
      }
      if (this.c.verbose) {
        await writeOut(`${a.mode === "dial" ? "Connected to" : "Listening at"}: ${String(ep.getOption("url"))}\n`);
      }
    }
  }

  async recvLoop(): Promise<void> {
    const { count } = this.c;
    for (let iters = 0; !(count > 0 && iters >= count); iters++) {
      let body: Uint8Array;
      try {
        body = (await this.sock.recv()).body;
      } catch (e) {
        if (isCode(e, "ETIMEDOUT", "ESTATE")) return; // a timeout, or the end of a survey
        throw new Fatal(`Receive error: ${strerror(e)}`);
      }
      await this.print(body);
    }
  }

  async respLoop(): Promise<void> {
    const { count } = this.c;
    for (let iters = 0; ; ) {
      let body: Uint8Array;
      try {
        body = (await this.sock.recv()).body;
      } catch (e) {
        throw new Fatal(`Receive error: ${strerror(e)}`);
      }
      await this.print(body);
      await this.send();
      iters++;
      if (count > 0 && iters >= count) break;
    }
    await sleep(DRAIN_MS);
  }

  async sendLoop(): Promise<void> {
    const { count, interval, delay } = this.c;
    if (delay > 0) await sleep(delay);
    for (let iters = 0; ; ) {
      const start = now();
      await this.send();
      const delta = now() - start;
      iters++;
      if ((interval < 0 && count === 0) || (count > 0 && iters >= count)) break;
      if (delta >= 0 && delta < interval) await sleep(interval - delta);
    }
    await sleep(DRAIN_MS);
  }

  async sendRecv(): Promise<void> {
    const { count, interval, delay, recvTimeout } = this.c;
    if (delay > 0) await sleep(delay);
    for (let iters = 0; ; ) {
      const start = now();
      await this.send();
      if (interval < 0 && count === 0) {
        await this.recvLoop();
        return;
      }
      // Receive until the interval is over (or the receive timeout, whichever is first).
      for (;;) {
        let expire = interval - (now() - start);
        if (recvTimeout >= 0 && expire > recvTimeout) expire = recvTimeout;
        try {
          this.sock.setOption("recv-timeout", expire);
        } catch (e) {
          throw new Fatal(`Cannot set recv timeout: ${strerror(e)}`);
        }
        let body: Uint8Array;
        try {
          body = (await this.sock.recv()).body;
        } catch (e) {
          if (isCode(e, "ETIMEDOUT", "ESTATE")) break;
          throw new Fatal(`Cannot receive: ${strerror(e)}`);
        }
        await this.print(body);
      }
      const delta = now() - start;
      iters++;
      if (count > 0 && iters >= count) break;
      if (delta >= 0 && delta < interval) await sleep(interval - delta);
    }
  }

  async run(): Promise<void> {
    const { proto, data } = this.c;
    switch (proto) {
      case "sub0":
      case "pull0":
        return this.recvLoop();
      case "rep0":
      case "respondent0":
        return data === null ? this.recvLoop() : this.respLoop();
      case "push0":
      case "pub0":
        return this.sendLoop();
      case "bus0":
      case "pair0":
      case "pair1":
        return data !== null ? this.sendRecv() : this.recvLoop();
      case "req0":
      case "surveyor0":
        return this.sendRecv();
    }
  }

  async close(): Promise<void> {
    // Bounded: closing releases ipc paths, but must never keep the tool alive.
    await Promise.race([this.sock.close().catch(() => {}), sleep(500)]);
    for (const p of this.temps) rmSync(p, { force: true });
  }
}

/** Runs nngcat's behaviour for a parsed configuration; throws Fatal for its error exits. */
export async function runCat(c: CatConfig): Promise<void> {
  let sock: Socket;
  try {
    sock = OPENERS[c.proto]();
  } catch (e) {
    throw new Fatal(`Unable to open socket: ${strerror(e)}`);
  }
  const run = new CatRun(c, sock);
  try {
    run.configure();
    await run.startEndpoints();
    await run.run();
  } finally {
    await run.close();
  }
}
