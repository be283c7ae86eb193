import type { Pipe } from "../socket/pipe.js";
import type { ProtocolFactory, ProtocolHost } from "../socket/protocol.js";
import { QueuedProtocol } from "./queued.js";

/** A queued protocol with at most one peer at a time (pair0, pair1 when not polyamorous). */
export abstract class OnePeerProtocol extends QueuedProtocol {
  private peer: Pipe | null = null;

  override addPipe(pipe: Pipe): boolean {
    if (this.peer) {
      this.host.count("reject-already");
      return false;
    }
    this.peer = pipe;
    return super.addPipe(pipe);
  }

  override removePipe(pipe: Pipe): void {
    if (this.peer === pipe) this.peer = null;
    super.removePipe(pipe);
  }
}

/** pair0: one peer at a time, messages both ways, no header. */
class Pair0Protocol extends OnePeerProtocol {
  constructor(host: ProtocolHost) {
    super(host, true, true);
  }
}

export const pair0: ProtocolFactory = {
  info: { id: 0x10, name: "pair", peerId: 0x10, peerName: "pair" },
  create: (host) => new Pair0Protocol(host),
};
