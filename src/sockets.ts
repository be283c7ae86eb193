import { pair0 } from "./protocol/pair0.js";
import { pair1 } from "./protocol/pair1.js";
import { pull0 } from "./protocol/pull0.js";
import { push0 } from "./protocol/push0.js";
import { Socket, type SocketOptions } from "./socket/socket.js";

/** pair (v0): one peer, both directions. */
export class Pair0 extends Socket {
  constructor(options?: SocketOptions) {
    super(pair0, options);
  }
}

export interface Pair1Options extends SocketOptions {
  /** Many peers; a send goes to `msg.pipe` (0: the first). */
  polyamorous?: boolean;
}

/** pair1: one peer (or many, polyamorous), with hop counts. */
export class Pair1 extends Socket {
  constructor(options: Pair1Options = {}) {
    super(pair1, options);
    if (options.polyamorous) this.setOption("pair1:polyamorous", true);
  }
}

/** push (v0): sends, load-balanced over pulls. */
export class Push0 extends Socket {
  constructor(options?: SocketOptions) {
    super(push0, options);
  }
}

/** pull (v0): receives from pushes. */
export class Pull0 extends Socket {
  constructor(options?: SocketOptions) {
    super(pull0, options);
  }
}
