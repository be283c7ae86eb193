import type { NngError } from "../core/errors.js";
import type { Message } from "../core/message.js";
import type { OptionSpec, OptionValue, SockAddr } from "../core/options.js";
import type { NngUrl } from "../core/url.js";

/** What a connection reports to its owner (the pipe). */
export interface ConnectionHandler {
  /** A whole message arrived; its body holds the protocol header then the payload. */
  received(msg: Message): void;
  /** `send` returned false earlier and the connection can take messages again. */
  writable(): void;
  /** The connection is gone; called once. */
  disconnected(err: NngError): void;
}

/**
 * A channel that has finished the SP handshake and moves whole messages. It knows its peer's
 * protocol number but does not judge it: the socket does.
 */
export interface Connection {
  /** The peer's protocol number, learned in the SP handshake. */
  readonly peer: number;
  /** Our end's address. */
  readonly localAddress: SockAddr;
  /** The peer's address. */
  readonly remoteAddress: SockAddr;
  /** Must be called once before any message can be delivered. */
  start(handler: ConnectionHandler): void;
  /** Queues a message (the connection owns it). False: busy, wait for `writable()`. */
  send(msg: Message): boolean;
  /** Stops delivering messages (and reading from the network) until `resume()`. */
  pause(): void;
  /** Starts delivering messages again after `pause()`. */
  resume(): void;
  /** Closes the connection; the handler's `disconnected` runs once. */
  close(err?: NngError): void;
  /** Transport-specific pipe options (addresses, tcp-nodelay, peer credentials...). */
  getOption(name: string): OptionValue | undefined;
}

/** What an endpoint knows when it opens connections. */
export interface EndpointConfig {
  /** Our protocol number, sent in the SP header. */
  readonly proto: number;
  /** Our protocol's name (WebSocket subprotocols are made of names). */
  readonly protoName?: string;
  /** The number of the peer protocol we expect. */
  readonly peerProto?: number;
  /** The name of the peer protocol we expect. */
  readonly peerName?: string;
  /** The endpoint's current value of an option (inherited from the socket). */
  option(name: string): OptionValue | undefined;
}

/** A transport's dialing side for one URL; the socket's Dialer drives its attempts and backoff. */
export interface TransportDialer {
  /** One connection attempt; `done` runs exactly once, asynchronously. */
  connect(done: (err: NngError | null, conn: Connection | null) => void): void;
  /** Abandons any attempt in progress (its `done` gets ECLOSED). */
  close(): void;
  /** The dialer's value of a transport option, or undefined. */
  getOption(name: string): OptionValue | undefined;
}

/** A transport's listening side for one URL. */
export interface TransportListener {
  /**
   * Binds the address (`done` reports the outcome); afterwards every negotiated connection is
   * handed to `accept`, and every one that failed before negotiation finished is reported with its error.
   */
  listen(accept: (err: NngError | null, conn: Connection | null) => void, done: (err: NngError | null) => void): void;
  /** Stops accepting and releases the address; `done` runs once it is released. */
  close(done?: () => void): void;
  /** The listener's value of a transport option (e.g. `tcp-bound-port`, `url` with the bound port), or undefined. */
  getOption(name: string): OptionValue | undefined;
}

/**
 * A transport (tcp, ipc, inproc...): turns URLs of its schemes into dialers and listeners whose
 * connections have finished the SP handshake. Made available with `registerTransport`.
 */
export interface Transport {
  /** URL schemes served, e.g. ["tcp", "tcp4", "tcp6"]. */
  readonly schemes: readonly string[];
  /** Options this transport understands on endpoints and pipes. */
  readonly options: readonly OptionSpec[];
  /**
   * Acts on an option set on one of this transport's endpoints (socket:// takes a descriptor
   * through `socket:fd`). True: the transport took the value and it is not stored.
   */
  setEndpointOption?(endpoint: EndpointConfig, role: "dialer" | "listener", name: string, value: OptionValue): boolean;
  /**
   * What nng_dialer_create / nng_listener_create check: throws (EADDRINVAL) for an address NNG refuses
   * as soon as the endpoint is created, before any option is set. Later failures come from `dialer`,
   * `listener` or their start.
   */
  checkAddress?(url: NngUrl, role: "dialer" | "listener"): void;
  /** A dialer for `url`; throws (e.g. EADDRINVAL) when the URL cannot be dialed. */
  dialer(url: NngUrl, config: EndpointConfig): TransportDialer;
  /** A listener for `url`; throws (e.g. EADDRINVAL) when the URL cannot be listened on. */
  listener(url: NngUrl, config: EndpointConfig): TransportListener;
}
