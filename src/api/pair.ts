import { pair0 } from "../protocol/pair0.js";
import { pair1 } from "../protocol/pair1.js";
import { Socket, type SocketOptions } from "../socket/socket.js";

/**
 * pair (v0): one peer at a time, both directions (a second peer is refused). A send waits while the
 * peer cannot take it (`send-timeout`; EAGAIN with `nonblock`). Talks only to pair0, not pair1.
 */
export class Pair0 extends Socket {
  constructor(options?: SocketOptions) {
    super(pair0, options);
  }
}

/** Options of `new Pair1()`. */
export interface Pair1Options extends SocketOptions {
  /** Many peers; a send goes to `msg.pipe` (0: the first). */
  polyamorous?: boolean;
}

/**
 * pair1: one peer (or many, polyamorous), both directions, with a hop count per message (dropped
 * above `ttl-max`) so that pair1 devices can be chained. Polyamorous: received messages carry their
 * pipe in `msg.pipe` and a send goes to `msg.pipe` (0: the first peer), best effort.
 */
export class Pair1 extends Socket {
  constructor(options: Pair1Options = {}) {
    super(pair1, options);
    if (options.polyamorous) this.setOption("pair1:polyamorous", true);
  }
}
