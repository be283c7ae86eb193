import { pull0 } from "../protocol/pull0.js";
import { push0 } from "../protocol/push0.js";
import { Socket, type SocketOptions } from "../socket/socket.js";

/**
 * push (v0): sends each message to one pull, round robin over the ready ones; with none ready a
 * send waits (`send-timeout`; EAGAIN with `nonblock`). Cannot receive (ENOTSUP).
 */
export class Push0 extends Socket {
  constructor(options?: SocketOptions) {
    super(push0, options);
  }
}

/**
 * pull (v0): receives, fair-queued, from every connected push; a full receive queue stops reading,
 * which pushes back on the senders. Cannot send (ENOTSUP).
 */
export class Pull0 extends Socket {
  constructor(options?: SocketOptions) {
    super(pull0, options);
  }
}
