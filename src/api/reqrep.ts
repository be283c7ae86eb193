import { rep0 } from "../protocol/rep0.js";
import { req0 } from "../protocol/req0.js";
import { Socket, type SocketOptions } from "../socket/socket.js";

/**
 * req (v0): sends requests and receives their replies, one outstanding request per context
 * (`openContext()` for concurrent ones); unanswered requests are resent after `resendTime`.
 */
export class Req0 extends Socket {
  constructor(options?: SocketOptions) {
    super(req0, options);
  }

  /** `req:resend-time` in ms (default 60000); <= 0 never resends. */
  get resendTime(): number {
    return this.getOption("req:resend-time") as number;
  }
  /** Sets `req:resend-time` in ms for requests sent from now on; <= 0 disables resending. */
  set resendTime(ms: number) {
    this.setOption("req:resend-time", ms);
  }
}

/** rep (v0): receives requests and sends one reply to each (contexts serve many at once). */
export class Rep0 extends Socket {
  constructor(options?: SocketOptions) {
    super(rep0, options);
  }

  /** `ttl-max`: requests that crossed more devices than this (1-15, default 8) are dropped. */
  get ttlMax(): number {
    return this.getOption("ttl-max") as number;
  }
  /** Sets `ttl-max` (1-15, else EINVAL). */
  set ttlMax(hops: number) {
    this.setOption("ttl-max", hops);
  }
}
