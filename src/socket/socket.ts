import { Aio, DURATION_DEFAULT } from "../core/aio.js";
import { NngError } from "../core/errors.js";
import { log, logEnabled } from "../core/log.js";
import { type Bytes, Message } from "../core/message.js";
import { checkOption, OptionStore, type OptionSpec, type OptionValue } from "../core/options.js";
import { parseUrl } from "../core/url.js";
import { registeredTransports, transportFor } from "../transport/registry.js";
import type { Connection } from "../transport/transport.js";
import { Context } from "./context.js";
import { Dialer, type EndpointOwner, Listener } from "./endpoint.js";
import { SOCKET_NAME_MAX, SOCKET_OPTIONS, TRANSPORT_DEFAULTS } from "./option-table.js";
import { Pipe, type PipeEvent, type PipeOwner } from "./pipe.js";
import type { Protocol, ProtocolFactory, ProtocolHost, ProtocolInfo } from "./protocol.js";
import { failAio, type OperationOptions, runRecv, runSend } from "./promise-ops.js";
import { type EndpointStatsSnapshot, type PipeStatsSnapshot, socketStatsTree, type StatNode } from "./stats.js";

export type PipeCallback = (pipe: Pipe, event: PipeEvent) => void;

export interface SocketOptions {
  /** Open the raw variant (no protocol state; headers passed to the application). */
  raw?: boolean;
}

/** A snapshot of a socket's statistics. */
export interface SocketStats {
  id: number;
  name: string;
  protocol: string;
  raw: boolean;
  pipes: number;
  dialers: number;
  listeners: number;
  /** Pipes refused: wrong peer protocol, add-pre handler, protocol limits. */
  reject: number;
  txMsgs: number;
  txBytes: number;
  rxMsgs: number;
  rxBytes: number;
  /**
   * Protocol and endpoint counters by name: drops (`rx-drop`, `tx-drop`, `ttl-drop`), pipes closed
   * for what the peer sent (`rx-oversize`, `rx-malformed`), `reject`, `dial-refused`, `dial-failed`,
   * `accept-failed`. A counter appears once it is non-zero.
   */
  counters: Record<string, number>;
  /** Each open dialer's counters. */
  dialerStats: EndpointStatsSnapshot[];
  /** Each open listener's counters. */
  listenerStats: EndpointStatsSnapshot[];
  /** Each open pipe's counters. */
  pipeStats: PipeStatsSnapshot[];
}

let lastSocketId = 0;
/** Open sockets, for process-wide statistics (nng_stats_get). */
const openSockets = new Set<Socket>();

/** The statistics tree of every open socket under one root scope (nng_stats_get). */
export function statsTree(sockets: Iterable<Socket> = openSockets): StatNode {
  const children: StatNode[] = [];
  for (const s of sockets) children.push(s.statsTree());
  return { name: "", kind: "scope", desc: "all statistics", children };
}

/**
 * A socket speaks one protocol to any number of peers through its dialers and listeners.
 * Messages move with `sendAio`/`recvAio` (NNG's model) or `send`/`recv` (Promises).
 */
export class Socket implements PipeOwner, ProtocolHost, EndpointOwner, AsyncIterable<Message> {
  readonly id = ++lastSocketId;
  readonly info: ProtocolInfo;
  readonly raw: boolean;
  /** @internal */
  readonly optionStore = new OptionStore();
  protected readonly protocol: Protocol;
  private readonly pipesById = new Map<number, Pipe>();
  private readonly pipeDialer = new Map<Pipe, Dialer | Listener>();
  private readonly dialers = new Set<Dialer>();
  private readonly listeners = new Set<Listener>();
  private readonly releases: Promise<void>[] = [];
  private readonly notify: Record<PipeEvent, Set<PipeCallback>> = {
    "add-pre": new Set(),
    "add-post": new Set(),
    "rem-post": new Set(),
  };
  private readonly counters: Record<string, number> = {};
  private readonly totals = { reject: 0, txMsgs: 0, txBytes: 0, rxMsgs: 0, rxBytes: 0 };
  private isClosed = false;
  private closing: Promise<void> | null = null;

  constructor(factory: ProtocolFactory, options: SocketOptions = {}) {
    this.info = factory.info;
    this.raw = options.raw === true;
    for (const o of SOCKET_OPTIONS) if (o.default !== undefined) this.optionStore.set(o.name, o.default);
    for (const [k, v] of Object.entries(TRANSPORT_DEFAULTS)) this.optionStore.set(k, v);
    this.protocol = factory.create(this);
    for (const o of this.protocol.options) if (o.default !== undefined) this.optionStore.set(o.name, o.default);
    openSockets.add(this);
  }

  get protocolId(): number {
    return this.info.id;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  // ---- NNG's asynchronous operations ----

  /**
   * Sends the message on `aio.msg` (EINVAL if none). Completes when the socket has accepted it
   * (queued or handed to a pipe), and the socket then owns it; on any error the message stays
   * on the aio. Errors: ECLOSED, ECANCELED, ETIMEDOUT, ENOTSUP, ESTATE, EMSGSIZE.
   */
  sendAio(aio: Aio): void {
    if (this.isClosed) return failAio(aio, new NngError("ECLOSED"));
    if (!aio.msg) return failAio(aio, new NngError("EINVAL", "no message on the aio"));
    this.protocol.send(aio);
  }

  /** Receives into `aio.msg`; the message then belongs to the caller. */
  recvAio(aio: Aio): void {
    if (this.isClosed) return failAio(aio, new NngError("ECLOSED"));
    this.protocol.recv(aio);
  }

  // ---- Promise face ----

  /** Sends bytes, a string (UTF-8) or a Message. Resolves once the socket accepted it. */
  send(data: Bytes | Message, options?: OperationOptions): Promise<void> {
    return runSend((aio) => this.sendAio(aio), data, options);
  }

  /** Receives one message. */
  recv(options?: OperationOptions): Promise<Message> {
    return runRecv((aio) => this.recvAio(aio), options);
  }

  /** Yields received messages until the socket closes (or `signal` aborts). */
  async *messages(options: { signal?: AbortSignal } = {}): AsyncGenerator<Message, void, undefined> {
    for (;;) {
      try {
        yield await this.recv(options);
      } catch (e) {
        if (e instanceof NngError && (e.code === "ECLOSED" || e.code === "ECANCELED")) return;
        throw e;
      }
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return this.messages();
  }

  // ---- endpoints ----

  /** Creates a dialer without starting it (set options on it, then `start`). */
  createDialer(url: string): Dialer {
    this.checkOpen();
    const parsed = parseUrl(url);
    const d = new Dialer(this, parsed, transportFor(parsed.scheme));
    this.dialers.add(d);
    return d;
  }

  /** Creates a listener without starting it. */
  createListener(url: string): Listener {
    this.checkOpen();
    const parsed = parseUrl(url);
    const l = new Listener(this, parsed, transportFor(parsed.scheme));
    this.listeners.add(l);
    return l;
  }

  /**
   * Dials `url`. Without `nonblock` it waits for the first connection and rejects with its error
   * (ECONNREFUSED...); with it, it returns at once and keeps trying in the background. Either
   * way a lost connection is redialed with backoff.
   */
  async dial(url: string, options: { nonblock?: boolean } = {}): Promise<Dialer> {
    const d = this.createDialer(url);
    await d.start(options);
    return d;
  }

  /** Listens on `url` (bound when this resolves; port 0 picks a free port). */
  async listen(url: string): Promise<Listener> {
    const l = this.createListener(url);
    await l.start();
    return l;
  }

  // ---- pipes ----

  /** Registers a pipe event callback; returns a function that removes it. */
  pipeNotify(event: PipeEvent, callback: PipeCallback): () => void {
    this.notify[event].add(callback);
    return () => this.notify[event].delete(callback);
  }

  /** The pipes currently attached. */
  get pipes(): Pipe[] {
    return [...this.pipesById.values()];
  }

  getPipe(id: number): Pipe | undefined {
    return this.pipesById.get(id);
  }

  // ---- contexts ----

  /** Opens an independent context (req, rep, surveyor, respondent, sub); ENOTSUP otherwise. */
  openContext(): Context {
    this.checkOpen();
    const open = this.protocol.openContext;
    if (!open || this.raw) throw new NngError("ENOTSUP", `${this.info.name} has no contexts`);
    return new Context(this, open.call(this.protocol));
  }

  // ---- options ----

  getOption(name: string): OptionValue {
    this.checkOpen();
    switch (name) {
      case "raw":
        return this.raw;
      case "protocol":
        return this.info.id;
      case "protocol-name":
        return this.info.name;
      case "peer":
        return this.info.peerId;
      case "peer-name":
        return this.info.peerName;
      case "socket-name":
        return (this.optionStore.get(name) as string | undefined) ?? String(this.id);
    }
    const spec = this.spec(name);
    if (spec.writeOnly) throw new NngError("EWRITEONLY", name);
    const v = this.protocol.getOption(name) ?? this.optionStore.get(name);
    if (v === undefined) throw new NngError("ENOTSUP", name);
    return v;
  }

  setOption(name: string, value: OptionValue): void {
    this.checkOpen();
    const spec = this.spec(name);
    const v = checkOption(spec, value);
    if (name === "socket-name" && (v as string).length > SOCKET_NAME_MAX) throw new NngError("EINVAL", "socket-name too long");
    this.protocol.optionChanged(name, v);
    if (!spec.writeOnly) this.optionStore.set(name, v);
  }

  get recvTimeout(): number {
    return this.getOption("recv-timeout") as number;
  }
  set recvTimeout(ms: number) {
    this.setOption("recv-timeout", ms);
  }
  get sendTimeout(): number {
    return this.getOption("send-timeout") as number;
  }
  set sendTimeout(ms: number) {
    this.setOption("send-timeout", ms);
  }
  get recvMaxSize(): number {
    return this.getOption("recv-size-max") as number;
  }
  set recvMaxSize(bytes: number) {
    this.setOption("recv-size-max", bytes);
  }
  get name(): string {
    return this.getOption("socket-name") as string;
  }
  set name(name: string) {
    this.setOption("socket-name", name);
  }

  // ---- statistics ----

  /** A snapshot of the socket's counters and of each of its dialers, listeners and pipes. */
  stats(): SocketStats {
    const t = { ...this.totals };
    const pipeStats: PipeStatsSnapshot[] = [];
    const perEndpoint = new Map<number, number>();
    for (const p of this.pipesById.values()) {
      t.txMsgs += p.stats.txMsgs;
      t.txBytes += p.stats.txBytes;
      t.rxMsgs += p.stats.rxMsgs;
      t.rxBytes += p.stats.rxBytes;
      pipeStats.push(p.snapshot());
      perEndpoint.set(p.endpointId, (perEndpoint.get(p.endpointId) ?? 0) + 1);
    }
    return {
      id: this.id,
      name: this.isClosed ? String(this.id) : this.name,
      protocol: this.info.name,
      raw: this.raw,
      pipes: this.pipesById.size,
      dialers: this.dialers.size,
      listeners: this.listeners.size,
      ...t,
      counters: { ...this.counters },
      dialerStats: [...this.dialers].map((d) => d.snapshot(perEndpoint.get(d.id) ?? 0)),
      listenerStats: [...this.listeners].map((l) => l.snapshot(perEndpoint.get(l.id) ?? 0)),
      pipeStats,
    };
  }

  /** The same snapshot as NNG's statistics tree (names such as `rx_msgs`); see `dumpStats`. */
  statsTree(): StatNode {
    return socketStatsTree(this.stats());
  }

  // ---- closing ----

  /**
   * Closes the socket: every pending operation ends with ECLOSED, every pipe, dialer and
   * listener closes. The Promise settles when every address is released.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.isClosed = true;
    openSockets.delete(this);
    this.protocol.close();
    for (const d of [...this.dialers]) d.close();
    for (const l of [...this.listeners]) this.releases.push(l.close());
    for (const p of [...this.pipesById.values()]) p.close();
    this.closing = Promise.all(this.releases).then(() => undefined);
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ---- internals: ProtocolHost, EndpointOwner, PipeOwner ----

  /** @internal */
  option(name: string): OptionValue | undefined {
    return this.optionStore.get(name);
  }

  /** @internal */
  count(stat: string, n = 1): void {
    this.counters[stat] = (this.counters[stat] ?? 0) + n;
  }

  /** @internal */
  addConnection(conn: Connection, endpoint: Dialer | Listener): Pipe | null {
    if (this.isClosed) {
      conn.close();
      return null;
    }
    // The pipe reports the address as bound (a listener on port 0 knows its port by now).
    const bound = endpoint.getOption("url");
    const pipe = new Pipe(conn, this.id, endpoint.id, endpoint instanceof Dialer, typeof bound === "string" ? bound : endpoint.url);
    if (conn.peer !== this.info.peerId) {
      this.reject(pipe, `peer protocol ${conn.peer} is not ${this.info.peerName}`, "NNG-PEER-MISMATCH");
      return null;
    }
    this.fire("add-pre", pipe);
    if (pipe.closed || this.isClosed) {
      this.reject(pipe, "closed by add-pre");
      return null;
    }
    if (!this.protocol.addPipe(pipe)) {
      this.reject(pipe, "refused by the protocol");
      return null;
    }
    this.pipesById.set(pipe.id, pipe);
    this.pipeDialer.set(pipe, endpoint);
    pipe.attach(this);
    if (!pipe.closed) this.fire("add-post", pipe);
    return pipe;
  }

  /** @internal */
  endpointClosed(endpoint: Dialer | Listener): void {
    if (endpoint instanceof Dialer) this.dialers.delete(endpoint);
    else this.listeners.delete(endpoint);
  }

  /** @internal */
  pipeMessage(pipe: Pipe, msg: Message): void {
    this.protocol.pipeMessage(pipe, msg);
  }

  /** @internal */
  pipeWritable(pipe: Pipe): void {
    this.protocol.pipeWritable(pipe);
  }

  /** @internal */
  pipeClosed(pipe: Pipe, err: NngError): void {
    if (!this.pipesById.delete(pipe.id)) return;
    // Pipes closed for what the peer sent are counted by cause.
    if (err.code === "EMSGSIZE") {
      this.count("rx-oversize");
      log({ level: "warn", msgid: "NNG-RCVMAX", message: `pipe closed: ${err.message}`, socket: this.id, pipe: pipe.id, url: pipe.url });
    } else if (err.code === "EPROTO") {
      this.count("rx-malformed");
      log({ level: "warn", msgid: "NNG-PROTO", message: `pipe closed: ${err.message}`, socket: this.id, pipe: pipe.id, url: pipe.url });
    } else if (logEnabled("debug")) {
      log({ level: "debug", msgid: "NNG-PIPE-REM", message: `pipe removed: ${err.message}`, socket: this.id, pipe: pipe.id, url: pipe.url });
    }
    const t = this.totals;
    t.txMsgs += pipe.stats.txMsgs;
    t.txBytes += pipe.stats.txBytes;
    t.rxMsgs += pipe.stats.rxMsgs;
    t.rxBytes += pipe.stats.rxBytes;
    this.protocol.removePipe(pipe);
    const endpoint = this.pipeDialer.get(pipe);
    this.pipeDialer.delete(pipe);
    this.fire("rem-post", pipe);
    endpoint?.pipeRemoved(pipe);
  }

  private reject(pipe: Pipe, why: string, msgid = "NNG-PIPE-REJECT"): void {
    this.totals.reject++;
    this.count("reject");
    log({ level: "warn", msgid, message: `pipe rejected: ${why}`, socket: this.id, pipe: pipe.id, url: pipe.url });
    pipe.close();
  }

  private fire(event: PipeEvent, pipe: Pipe): void {
    for (const cb of this.notify[event]) {
      try {
        cb(pipe, event);
      } catch (e) {
        // A failing callback must not break the socket; surface it as an uncaught error.
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }

  private spec(name: string): OptionSpec {
    const spec =
      SOCKET_OPTIONS.find((o) => o.name === name) ??
      this.protocol.options.find((o) => o.name === name) ??
      registeredTransports()
        .flatMap((t) => t.options)
        .find((o) => o.name === name && !o.readOnly);
    if (!spec) throw new NngError("ENOTSUP", name);
    return spec;
  }

  private checkOpen(): void {
    if (this.isClosed) throw new NngError("ECLOSED");
  }
}

export { DURATION_DEFAULT };
