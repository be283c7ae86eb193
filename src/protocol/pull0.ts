import type { ProtocolFactory, ProtocolHost } from "../socket/protocol.js";
import { QueuedProtocol } from "./queued.js";

/** pull0: receive-only, fair-queued from every push. */
class Pull0Protocol extends QueuedProtocol {
  constructor(host: ProtocolHost) {
    super(host, false, true);
  }
}

export const pull0: ProtocolFactory = {
  info: { id: 0x51, name: "pull", peerId: 0x50, peerName: "push" },
  create: (host) => new Pull0Protocol(host),
};
