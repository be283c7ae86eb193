import { NngError } from "../core/errors.js";
import { log } from "../core/log.js";
import { checkOption, type OptionSpec, OptionStore, type OptionValue } from "../core/options.js";
import type { NngUrl } from "../core/url.js";
import type { Connection, EndpointConfig, Transport, TransportDialer, TransportListener } from "../transport/transport.js";
import { ENDPOINT_OPTIONS } from "./option-table.js";
import type { Pipe } from "./pipe.js";
import type { ProtocolInfo } from "./protocol.js";
import type { EndpointStatsSnapshot } from "./stats.js";

/** What an endpoint needs from its socket. */
export interface EndpointOwner {
  readonly id: number;
  readonly protocolId: number;
  readonly info: ProtocolInfo;
  readonly optionStore: OptionStore;
  /** Turns a negotiated connection into a pipe, or rejects it (null). */
  addConnection(conn: Connection, endpoint: Dialer | Listener): Pipe | null;
  endpointClosed(endpoint: Dialer | Listener): void;
  count(stat: string, n?: number): void;
}

/** Counters of one dialer or listener, as NNG's statistics name them. */
export interface EndpointStats {
  /** Dialer: connections established (before the socket accepts or rejects them). */
  connect: number;
  /** Listener: connections accepted and negotiated. */
  accept: number;
  /** Dialer: attempts refused by the peer's host (ECONNREFUSED). */
  refused: number;
  /** Pipes the socket refused (peer protocol, add-pre handler, protocol limits). */
  reject: number;
  /** Pipes lost after they were established. */
  disconnect: number;
  /** Attempts or handshakes that failed: EPROTO and ETIMEDOUT on a dialer, any error on a listener. */
  negotiateFailed: number;
  /** Attempts abandoned (ECANCELED, ECLOSED). */
  canceled: number;
  /** Handshakes that timed out (ETIMEDOUT). */
  timeout: number;
  /** Handshakes with a bad SP header (EPROTO). */
  proto: number;
  /** Peer authentication failures (EPEERAUTH, ECRYPTO). */
  auth: number;
  /** Every other error. */
  other: number;
}

/** Counts an endpoint error under NNG's cause names (nni_dialer_bump_error). */
function bumpError(stats: EndpointStats, err: NngError): void {
  switch (err.code) {
    case "ECONNREFUSED":
      stats.refused++;
      break;
    case "ETIMEDOUT":
      stats.timeout++;
      break;
    case "EPROTO":
      stats.proto++;
      break;
    case "ECANCELED":
    case "ECLOSED":
      stats.canceled++;
      break;
    case "EPEERAUTH":
    case "ECRYPTO":
      stats.auth++;
      break;
    default:
      stats.other++;
  }
}

let lastEndpointId = 0;

abstract class Endpoint implements EndpointConfig {
  /** The endpoint's id (nng_dialer_id / nng_listener_id), unique in the process. */
  readonly id = ++lastEndpointId;
  /** The URL as given. */
  readonly url: string;
  /** Live counters (see {@link EndpointStats}). */
  readonly stats: EndpointStats = {
    connect: 0,
    accept: 0,
    refused: 0,
    reject: 0,
    disconnect: 0,
    negotiateFailed: 0,
    canceled: 0,
    timeout: 0,
    proto: 0,
    auth: 0,
    other: 0,
  };
  protected readonly store: OptionStore;
  protected closed = false;

  constructor(
    protected readonly owner: EndpointOwner,
    protected readonly parsed: NngUrl,
    protected readonly transport: Transport,
  ) {
    this.url = parsed.raw;
    this.store = new OptionStore(owner.optionStore);
  }

  get proto(): number {
    return this.owner.protocolId;
  }

  /** The name of the socket's protocol ("req"...). */
  get protoName(): string {
    return this.owner.info.name;
  }

  /** The peer protocol's number. */
  get peerProto(): number {
    return this.owner.info.peerId;
  }

  /** The peer protocol's name ("rep"...). */
  get peerName(): string {
    return this.owner.info.peerName;
  }

  /** The id of the socket that owns this endpoint. */
  get socketId(): number {
    return this.owner.id;
  }

  /** EndpointConfig: the transport reads options through this. */
  option(name: string): OptionValue | undefined {
    return this.store.get(name);
  }

  /**
   * nng_dialer_get / nng_listener_get: an endpoint or transport option (`url`, `local-address`,
   * `tcp-bound-port`, `recv-size-max`...), inherited from the socket unless set here. Throws ENOTSUP
   * for an unknown name, EWRITEONLY for a write-only one.
   */
  getOption(name: string): OptionValue {
    const v = this.transportOption(name) ?? this.store.get(name);
    if (v !== undefined && !this.transport.options.some((o) => o.name === name && o.writeOnly)) return v;
    const spec = this.spec(name);
    if (spec.writeOnly) throw new NngError("EWRITEONLY", name);
    throw new NngError("ENOTSUP", name);
  }

  /**
   * nng_dialer_set / nng_listener_set: overrides a socket option for this endpoint only; set it
   * before `start()`. Throws ENOTSUP, EBADTYPE, EREADONLY, EINVAL, ECLOSED.
   */
  setOption(name: string, value: OptionValue): void {
    if (this.closed) throw new NngError("ECLOSED");
    const v = checkOption(this.spec(name), value);
    if (this.transport.setEndpointOption?.(this, this instanceof Dialer ? "dialer" : "listener", name, v)) return;
    this.store.set(name, v);
  }

  /** True once `close` was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  protected abstract transportOption(name: string): OptionValue | undefined;

  /** @internal the socket builds the snapshot: it knows which pipes belong to this endpoint. */
  snapshot(pipes: number): EndpointStatsSnapshot {
    const url = this.transportOption("url");
    const kind = this instanceof Dialer ? "dialer" : "listener";
    return { kind, id: this.id, socket: this.owner.id, url: typeof url === "string" ? url : this.url, pipes, ...this.stats };
  }

  private spec(name: string): OptionSpec {
    const spec = ENDPOINT_OPTIONS.find((o) => o.name === name) ?? this.transport.options.find((o) => o.name === name);
    if (!spec) throw new NngError("ENOTSUP", name);
    return spec;
  }
}

/**
 * A dialer (nng_dialer) connects to one address and keeps one pipe there: after a failure or the
 * loss of its pipe it redials with NNG's randomized backoff between `reconnect-time-min` and
 * `reconnect-time-max`. Made by `socket.dial(url)` or `socket.createDialer(url)` + `start()`.
 */
export class Dialer extends Endpoint {
  private tdialer: TransportDialer | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private backoff = 0;
  private connecting = false;
  private pipe: Pipe | null = null;
  private started = false;

  /** @internal use `socket.dial` / `socket.createDialer` */
  constructor(owner: EndpointOwner, parsed: NngUrl, transport: Transport) {
    super(owner, parsed, transport);
  }

  /**
   * Starts dialing. Blocking (default): settles with the first attempt, rejecting with its error
   * (the dialer is then closed). `nonblock`: resolves at once and keeps trying in the background.
   */
  start(options: { nonblock?: boolean } = {}): Promise<void> {
    if (this.closed) return Promise.reject(new NngError("ECLOSED"));
    if (this.started) return Promise.reject(new NngError("ESTATE", "dialer already started"));
    this.started = true;
    try {
      this.tdialer = this.transport.dialer(this.parsed, this);
    } catch (e) {
      this.close();
      return Promise.reject(NngError.fromSystem(e));
    }
    this.resetBackoff();
    if (options.nonblock) {
      this.attempt(null);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      this.attempt((err) => {
        if (!err) return resolve();
        this.close();
        reject(err);
      });
    });
  }

  /** nng_dialer_close: stops dialing and closes its pipe (pending socket operations go on). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.tdialer?.close();
    this.pipe?.close();
    this.owner.endpointClosed(this);
  }

  /** @internal the socket tells the dialer its pipe is gone. */
  pipeRemoved(pipe: Pipe): void {
    if (this.pipe !== pipe) return;
    this.pipe = null;
    this.stats.disconnect++;
    this.scheduleRedial();
  }

  protected transportOption(name: string): OptionValue | undefined {
    return name === "url" ? this.url : this.tdialer?.getOption(name);
  }

  private attempt(first: ((err: NngError | null) => void) | null): void {
    if (this.closed || this.connecting || this.pipe) return;
    this.connecting = true;
    this.tdialer!.connect((err, conn) => {
      this.connecting = false;
      if (this.closed) {
        conn?.close();
        first?.(new NngError("ECLOSED"));
        return;
      }
      if (err || !conn) {
        const e = err ?? new NngError("ECONNREFUSED");
        bumpError(this.stats, e);
        if (e.code === "EPROTO" || e.code === "ETIMEDOUT") this.stats.negotiateFailed++;
        this.owner.count(e.code === "ECONNREFUSED" ? "dial-refused" : "dial-failed");
        log({ level: "warn", msgid: "NNG-CONN-FAIL", message: `failed connecting: ${e.message}`, socket: this.owner.id, endpoint: this.id, url: this.url });
        if (first) return first(e);
        this.scheduleRedial();
        return;
      }
      this.stats.connect++;
      const pipe = this.owner.addConnection(conn, this);
      if (pipe && !pipe.closed) {
        this.pipe = pipe;
        this.resetBackoff();
      } else {
        this.stats.reject++;
        this.scheduleRedial();
      }
      first?.(null);
    });
  }

  private resetBackoff(): void {
    this.backoff = this.reconnectMin();
  }

  private reconnectMin(): number {
    const v = this.store.get("reconnect-time-min");
    return typeof v === "number" && v > 0 ? v : 1000;
  }

  /** NNG's randomized backoff: wait random [0, current), then double current up to max (if set). */
  private scheduleRedial(): void {
    if (this.closed || this.timer) return;
    const wait = Math.floor(Math.random() * this.backoff);
    const max = this.store.get("reconnect-time-max");
    if (typeof max === "number" && max > 0) this.backoff = Math.min(this.backoff * 2, Math.max(max, this.reconnectMin()));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.attempt(null);
    }, wait);
  }
}

/**
 * A listener (nng_listener) accepts connections on one address; each becomes a pipe of the socket.
 * Made by `socket.listen(url)` or `socket.createListener(url)` + `start()`.
 */
export class Listener extends Endpoint {
  private tlistener: TransportListener | null = null;
  private started = false;
  private releasing: Promise<void> | null = null;
  /** The pipes it accepted that are still open: closing the listener closes them, as NNG. */
  private readonly accepted = new Set<Pipe>();

  /** @internal use `socket.listen` / `socket.createListener` */
  constructor(owner: EndpointOwner, parsed: NngUrl, transport: Transport) {
    super(owner, parsed, transport);
  }

  /** Binds the address; rejects with EADDRINUSE, EADDRINVAL... (the listener is then closed). */
  start(): Promise<void> {
    if (this.closed) return Promise.reject(new NngError("ECLOSED"));
    if (this.started) return Promise.reject(new NngError("ESTATE", "listener already started"));
    this.started = true;
    return new Promise<void>((resolve, reject) => {
      try {
        this.tlistener = this.transport.listener(this.parsed, this);
      } catch (e) {
        this.close();
        return reject(NngError.fromSystem(e));
      }
      this.tlistener.listen(
        (err, conn) => {
          if (err || !conn) {
            if (this.closed) return;
            const e = err ?? new NngError("ECONNSHUT");
            bumpError(this.stats, e);
            this.stats.negotiateFailed++;
            this.owner.count("accept-failed");
            log({ level: "warn", msgid: "NNG-ACCEPT-FAIL", message: `failed accepting: ${e.message}`, socket: this.owner.id, endpoint: this.id, url: this.url });
            return;
          }
          if (this.closed) return conn.close();
          this.stats.accept++;
          const pipe = this.owner.addConnection(conn, this);
          if (!pipe || pipe.closed) this.stats.reject++;
          else this.accepted.add(pipe);
        },
        (err) => {
          if (!err) return resolve();
          this.close();
          reject(err);
        },
      );
    });
  }

  /**
   * nng_listener_close: stops accepting, closes the pipes it accepted and closes the address; the
   * Promise settles once the port or path is released.
   */
  close(): Promise<void> {
    if (this.releasing) return this.releasing;
    this.closed = true;
    const t = this.tlistener;
    this.releasing = new Promise<void>((resolve) => (t ? t.close(resolve) : resolve()));
    for (const pipe of [...this.accepted]) pipe.close();
    this.owner.endpointClosed(this);
    return this.releasing;
  }

  /** @internal */
  pipeRemoved(pipe: Pipe): void {
    this.accepted.delete(pipe);
    this.stats.disconnect++;
  }

  protected transportOption(name: string): OptionValue | undefined {
    return this.tlistener?.getOption(name) ?? (name === "url" ? this.url : undefined);
  }
}
