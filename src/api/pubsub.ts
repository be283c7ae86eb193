import { bus0 } from "../protocol/bus0.js";
import { pub0 } from "../protocol/pub0.js";
import { sub0 } from "../protocol/sub0.js";
import { Context } from "../socket/context.js";
import type { ProtocolContext } from "../socket/protocol.js";
import { Socket, type SocketOptions } from "../socket/socket.js";

/**
 * pub (v0): broadcasts each message to every connected subscriber. A send never blocks and
 * succeeds with no subscribers; a subscriber whose queue (`send-buffer`, default 16) is full loses
 * its oldest message. Cannot receive (ENOTSUP).
 */
export class Pub0 extends Socket {
  constructor(options?: SocketOptions) {
    super(pub0, options);
  }
}

/** What a sub socket and each of its contexts offer for choosing what they receive. */
export interface Subscriptions {
  /** Receives messages starting with `topic` (a string is UTF-8; "" matches everything). */
  subscribe(topic: string | Uint8Array): void;
  /** Stops receiving `topic` (ENOENT if not subscribed); queued messages no longer matching are dropped. */
  unsubscribe(topic: string | Uint8Array): void;
  /**
   * `sub:prefnew`: with a full receive queue, drop the oldest message (true, the default) or the
   * new one.
   */
  prefNew: boolean;
}

/** What the shared implementation needs from a socket or context. */
interface OptionHolder {
  setOption(name: string, value: string | Uint8Array | boolean): void;
  getOption(name: string): unknown;
}

/** The one implementation of {@link Subscriptions}, put on the prototypes of Sub0 and Sub0Context. */
function addSubscriptions(target: { prototype: OptionHolder }): void {
  Object.defineProperties(target.prototype, {
    subscribe: {
      value(this: OptionHolder, topic: string | Uint8Array): void {
        this.setOption("sub:subscribe", topic);
      },
      writable: true,
      configurable: true,
    },
    unsubscribe: {
      value(this: OptionHolder, topic: string | Uint8Array): void {
        this.setOption("sub:unsubscribe", topic);
      },
      writable: true,
      configurable: true,
    },
    prefNew: {
      get(this: OptionHolder): boolean {
        return this.getOption("sub:prefnew") as boolean;
      },
      set(this: OptionHolder, value: boolean): void {
        this.setOption("sub:prefnew", value);
      },
      configurable: true,
    },
  });
}

// Declaration merging: the class gets the Subscriptions members that addSubscriptions installs.
export interface Sub0Context extends Subscriptions {}
/** A sub context: its own subscriptions and its own receive queue (nng_ctx on a sub socket). */
export class Sub0Context extends Context {}
addSubscriptions(Sub0Context);

// As for Sub0Context: the Subscriptions members come from addSubscriptions.
export interface Sub0 extends Subscriptions {}
/**
 * sub (v0): receives the published messages whose body starts with one of its topics; with no
 * subscription it receives nothing. Cannot send (ENOTSUP). Contexts have their own topics.
 */
export class Sub0 extends Socket {
  constructor(options?: SocketOptions) {
    super(sub0, options);
  }

  /** Opens a context with its own subscriptions (none at first) and its own queue. */
  override openContext(): Sub0Context {
    return super.openContext() as Sub0Context;
  }

  protected override wrapContext(ctx: ProtocolContext): Context {
    return new Sub0Context(this, ctx);
  }
}
addSubscriptions(Sub0);

/**
 * bus (v0): every message goes to every directly connected peer, best effort (never waits; a busy
 * peer misses it); messages are not forwarded further. Raw mode tags received messages with their
 * pipe and skips it on send, so `device(bus)` makes a hub without echoes.
 */
export class Bus0 extends Socket {
  constructor(options?: SocketOptions) {
    super(bus0, options);
  }
}
