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
import type { Protocol, ProtocolContext, ProtocolFactory, ProtocolHost, ProtocolInfo } from "./protocol.js";
import { failAio, type OperationOptions, runRecv, runSend } from "./promise-ops.js";
import { type PipeStatsSnapshot, type SocketStats, socketStatsTree, type StatNode } from "./stats.js";

export type { SocketStats } from "./stats.js";

/**
 * A pipe event handler (nng_pipe_notify): called synchronously with the pipe and the event.
 * An `add-pre` handler may `pipe.close()` to refuse the peer. A throwing handler does not
 * break the socket: the error is rethrown from a microtask.
 */
export type PipeCallback = (pipe: Pipe, event: PipeEvent) => void;

/** Options given when a socket is opened (the rest are set with `setOption`). */
export interface SocketOptions {
  /** Open the raw variant (no protocol state; headers passed to the application). */
  raw?: boolean;
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
 * A socket (nng_socket) speaks one protocol to any number of peers through its dialers and
 * listeners, each of which makes pipes. Open one through its protocol's class (`new Req0()`...).
 *
 * Messages move with NNG's asynchronous operations, `sendAio`/`recvAio`, whose callbacks run
 * asynchronously exactly once, or with the Promise face `send`/`recv` and async iteration built on
 * them. Options use NNG's names (`getOption("recv-timeout")`). `close()` (or `await using`) ends
 * every pending operation with ECLOSED and releases every address.
 */
export class Socket implements PipeOwner, ProtocolHost, EndpointOwner, AsyncIterable<Message> {
  /** The socket's id (nng_socket_id): positive and unique in the process. */
  readonly id = ++lastSocketId;
  /** The protocol's identity: its number and name, and its peer's. */
  readonly info: ProtocolInfo;
  /** True for a raw socket (`{ raw: true }`): no protocol state, headers passed to the application. */
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

  /** The protocol's 16-bit number (the `protocol` option), e.g. 0x30 for req. */
  get protocolId(): number {
    return this.info.id;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  // ---- NNG's asynchronous operations ----

  /**
   * nng_send_aio: sends the message on `aio.msg` (EINVAL if there is none).
   *
   * Completes successfully as soon as the socket has accepted the message (queued it or handed it
   * to a pipe), not when a peer received it; the socket then owns the message and `aio.msg` is
   * null. On failure the message stays on the aio for the caller to retry or drop. Errors
   * (`aio.result`): ECLOSED, ECANCELED (`aio.cancel()`), ETIMEDOUT (`aio.timeout`, or the socket's
   * `send-timeout` when it is -2), ENOTSUP (a protocol that cannot send), ESTATE (the protocol's
   * state forbids it, e.g. rep with no request), EMSGSIZE.
   */
  sendAio(aio: Aio): void {
    if (this.isClosed) return failAio(aio, new NngError("ECLOSED"));
    if (!aio.msg) return failAio(aio, new NngError("EINVAL", "no message on the aio"));
    this.protocol.send(aio);
  }

  /**
   * nng_recv_aio: receives one message into `aio.msg`, which then belongs to the caller.
   *
   * Completes when a message arrives. Errors (`aio.result`): ECLOSED, ECANCELED, ETIMEDOUT
   * (`aio.timeout`, or `recv-timeout` when it is -2), ENOTSUP (a protocol that cannot receive),
   * ESTATE (e.g. req before any request).
   */
  recvAio(aio: Aio): void {
    if (this.isClosed) return failAio(aio, new NngError("ECLOSED"));
    this.protocol.recv(aio);
  }

  // ---- Promise face ----

  /**
   * Sends bytes, a string (UTF-8) or a Message (nng_send). Resolves once the socket has accepted
   * it (see `sendAio`); a Message passed here then belongs to the socket, while on failure the
   * caller keeps it and may send it again.
   * Rejects with the NngError of `sendAio`, EAGAIN with `nonblock`, ECANCELED when `signal` aborts.
   */
  send(data: Bytes | Message, options?: OperationOptions): Promise<void> {
    return runSend((aio) => this.sendAio(aio), data, options);
  }

  /**
   * Receives one message (nng_recv), which belongs to the caller. Rejects with the NngError of
   * `recvAio`, EAGAIN with `nonblock` when none is waiting, ECANCELED when `signal` aborts.
   */
  recv(options?: OperationOptions): Promise<Message> {
    return runRecv((aio) => this.recvAio(aio), options);
  }

  /**
   * Yields received messages until the socket closes or `signal` aborts (both end the loop
   * quietly); other errors (ETIMEDOUT with a `recv-timeout`, ESTATE...) are thrown.
   */
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

  /** `for await (const msg of socket)`: the same as `messages()`. */
  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return this.messages();
  }

  // ---- endpoints ----

  /**
   * nng_dialer_create: a dialer for `url` that does not connect until `start()`, so options can
   * be set on it first. Throws EINVAL for a malformed URL, ENOTSUP for a scheme with no
   * transport, EADDRINVAL for an address NNG refuses at creation (a tcp URL with a path or without
   * a port, an ipc URL without a path...), ECLOSED once the socket is closed.
   */
  createDialer(url: string): Dialer {
    this.checkOpen();
    const parsed = parseUrl(url);
    const transport = transportFor(parsed.scheme);
    transport.checkAddress?.(parsed, "dialer");
    const d = new Dialer(this, parsed, transport);
    this.dialers.add(d);
    return d;
  }

  /**
   * nng_listener_create: a listener for `url` that does not bind until `start()`. Throws like
   * `createDialer`.
   */
  createListener(url: string): Listener {
    this.checkOpen();
    const parsed = parseUrl(url);
    const transport = transportFor(parsed.scheme);
    transport.checkAddress?.(parsed, "listener");
    const l = new Listener(this, parsed, transport);
    this.listeners.add(l);
    return l;
  }

  /**
   * nng_dial. Without `nonblock` it waits for the first connection and rejects with its error
   * (ECONNREFUSED, EADDRINVAL, EPROTO...), closing the dialer; with `nonblock` it resolves at once
   * and keeps trying in the background. Once connected, a lost connection is redialed with
   * backoff between `reconnect-time-min` and `reconnect-time-max`.
   */
  async dial(url: string, options: { nonblock?: boolean } = {}): Promise<Dialer> {
    const d = this.createDialer(url);
    await d.start(options);
    return d;
  }

  /**
   * nng_listen: binds `url` before it resolves (port 0 picks a free port: read it back with
   * `listener.getOption("url")` or `"tcp-bound-port"`). Rejects with EADDRINUSE, EADDRINVAL, EPERM...
   */
  async listen(url: string): Promise<Listener> {
    const l = this.createListener(url);
    await l.start();
    return l;
  }

  // ---- pipes ----

  /**
   * nng_pipe_notify: calls `callback` on every `event` of this socket's pipes: `add-pre` (after
   * the handshake, before the protocol sees the pipe: closing it here refuses the peer),
   * `add-post`, `rem-post`. Returns a function that removes the callback.
   */
  pipeNotify(event: PipeEvent, callback: PipeCallback): () => void {
    this.notify[event].add(callback);
    return () => this.notify[event].delete(callback);
  }

  /** The pipes attached now (a copy). */
  get pipes(): Pipe[] {
    return [...this.pipesById.values()];
  }

  /** The attached pipe with this id (e.g. `msg.pipe`), or undefined. */
  getPipe(id: number): Pipe | undefined {
    return this.pipesById.get(id);
  }

  // ---- contexts ----

  /**
   * nng_ctx_open: an independent context with its own protocol state (request, survey,
   * subscriptions) and timeouts, for req, rep, surveyor, respondent and sub. Throws ENOTSUP for
   * other protocols and raw sockets, ECLOSED once closed.
   */
  openContext(): Context {
    this.checkOpen();
    const open = this.protocol.openContext;
    if (!open || this.raw) throw new NngError("ENOTSUP", `${this.info.name} has no contexts`);
    return this.wrapContext(open.call(this.protocol));
  }

  /** The public face of a protocol context (a typed subclass for protocols that have one). */
  protected wrapContext(ctx: ProtocolContext): Context {
    return new Context(this, ctx);
  }

  // ---- options ----

  /**
   * nng_socket_get: the value of an option by NNG's name (see docs/options.md). Throws ENOTSUP for
   * an unknown name, EWRITEONLY for a write-only one, ECLOSED once closed.
   */
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

  /**
   * nng_socket_set: sets an option by NNG's name; transport options are inherited by dialers and
   * listeners created afterwards. Throws ENOTSUP (unknown), EBADTYPE (wrong type), EREADONLY,
   * EINVAL (out of range), ECLOSED.
   */
  setOption(name: string, value: OptionValue): void {
    this.checkOpen();
    const spec = this.spec(name);
    const v = checkOption(spec, value);
    if (name === "socket-name" && (v as string).length > SOCKET_NAME_MAX) throw new NngError("EINVAL", "socket-name too long");
    this.protocol.optionChanged(name, v);
    // Transport options are kept for the endpoints to inherit, write-only ones (tls-ca-file...) too.
    if (!spec.writeOnly || this.isTransportOption(spec)) this.optionStore.set(name, v);
  }

  /** The `recv-timeout` option in ms: how long a receive waits (-1, the default: forever). */
  get recvTimeout(): number {
    return this.getOption("recv-timeout") as number;
  }
  /** Sets `recv-timeout` (ms, -1 forever). */
  set recvTimeout(ms: number) {
    this.setOption("recv-timeout", ms);
  }
  /** The `send-timeout` option in ms: how long a send waits to be accepted (-1, the default: forever). */
  get sendTimeout(): number {
    return this.getOption("send-timeout") as number;
  }
  /** Sets `send-timeout` (ms, -1 forever). */
  set sendTimeout(ms: number) {
    this.setOption("send-timeout", ms);
  }
  /** The `recv-size-max` option: larger incoming messages close their pipe (0, the default: no limit). */
  get recvMaxSize(): number {
    return this.getOption("recv-size-max") as number;
  }
  /** Sets `recv-size-max` (bytes, 0 no limit) for pipes made afterwards. */
  set recvMaxSize(bytes: number) {
    this.setOption("recv-size-max", bytes);
  }
  /** The `socket-name` option (default: the socket id as a string). */
  get name(): string {
    return this.getOption("socket-name") as string;
  }
  /** Sets `socket-name` (at most 63 characters, else EINVAL). */
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
   * nng_close: every pending operation ends with ECLOSED, every pipe, dialer and listener closes,
   * and later calls fail with ECLOSED. Safe to call twice. The Promise settles when every
   * address (port, ipc path) is released.
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

  /** `await using`: the same as `close()`. */
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

  private isTransportOption(spec: OptionSpec): boolean {
    return registeredTransports().some((t) => t.options.includes(spec));
  }

  private checkOpen(): void {
    if (this.isClosed) throw new NngError("ECLOSED");
  }
}

export { DURATION_DEFAULT };
