import type { ProtocolFactory, ProtocolHost } from "../socket/protocol.js";
import { QueuedProtocol } from "./queued.js";

/** push0: send-only, round robin over the pulls that can take a message. */
class Push0Protocol extends QueuedProtocol {
  constructor(host: ProtocolHost) {
    super(host, true, false);
  }

  override pipeMessage(): void {
    // A pull never sends; anything it does send is ignored.
  }
}

export const push0: ProtocolFactory = {
  info: { id: 0x50, name: "push", peerId: 0x51, peerName: "pull" },
  create: (host) => new Push0Protocol(host),
};
