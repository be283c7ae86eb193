import type { Aio } from "../core/aio.js";
import { NngError } from "../core/errors.js";
import type { Message } from "../core/message.js";
import type { OptionValue } from "../core/options.js";
import { Ring } from "../core/queue.js";
import type { Pipe } from "../socket/pipe.js";
import type { ProtocolFactory, ProtocolHost, ProtocolOption } from "../socket/protocol.js";
import { OnePeerProtocol } from "./pair0.js";
import { BUFFER_OPTIONS, refuse } from "./queued.js";

const MAX_HOPS = 0xff;
// Polyamorous sends are best effort: each peer gets a queue this deep, then messages are dropped.
const POLY_PIPE_QUEUE = 16;

const PAIR1_OPTIONS: readonly ProtocolOption[] = [
  ...BUFFER_OPTIONS,
  { name: "ttl-max", kind: "int", min: 1, max: 15, default: 8 },
  { name: "pair1:polyamorous", kind: "bool", default: false },
];

/** The first hop sends 1: the header word is incremented as the message leaves. */
function bumpHops(msg: Message): void {
  const hops = msg.headerTrimU32();
  msg.headerAppendU32(hops + 1);
}

/** Per-peer state in polyamorous mode. */
interface PolyPeer {
  readonly queue: Ring<Message>;
  busy: boolean;
}

/**
 * pair1: like pair0 with a u32 hop count in front of each message (kept in the header on
 * receive, as libnng does), `ttl-max`, and a polyamorous mode with many peers where a send goes to
 * `msg.pipe` (0: the first peer).
 */
class Pair1Protocol extends OnePeerProtocol {
  override readonly options = PAIR1_OPTIONS;
  private poly = false;
  /** Polyamorous peers by pipe id, in the order they joined (the first is the default target). */
  private readonly polyPeers = new Map<number, Pipe>();
  private anyPipeSeen = false;
  /** ttl-max, cached (read per received message); cleared when the option changes. */
  private ttlMax: number | undefined;

  constructor(host: ProtocolHost) {
    super(host, true, true, bumpHops);
  }

  override addPipe(pipe: Pipe): boolean {
    this.anyPipeSeen = true;
    if (this.poly) {
      pipe.protoData = { queue: new Ring<Message>(), busy: false } satisfies PolyPeer;
      this.polyPeers.set(pipe.id, pipe);
      return true;
    }
    return super.addPipe(pipe);
  }

  override removePipe(pipe: Pipe): void {
    if (this.poly) {
      this.polyPeers.delete(pipe.id);
      (pipe.protoData as PolyPeer | null)?.queue.drain();
    }
    super.removePipe(pipe);
  }

  override pipeMessage(pipe: Pipe, msg: Message): void {
    if (msg.length < 4) return this.malformed(pipe);
    const hops = msg.peekU32(0);
    if (hops > MAX_HOPS) return this.malformed(pipe);
    if (hops > (this.ttlMax ??= this.host.option("ttl-max") as number)) {
      this.host.count("ttl-drop");
      return;
    }
    msg.bodyToHeader(4);
    this.recvQ.deliver(msg, pipe);
  }

  override pipeWritable(pipe: Pipe): void {
    if (!this.poly) return super.pipeWritable(pipe);
    const peer = pipe.protoData as PolyPeer;
    peer.busy = false;
    this.flushPoly(pipe, peer);
  }

  override send(aio: Aio): void {
    const msg = aio.msg!;
    if (this.host.raw) {
      if (msg.headerLength !== 4 || msg.headerPeekU32(0) >= MAX_HOPS) {
        return refuse(aio, new NngError("EPROTO", "raw pair1 messages need a 4-byte hop count header"));
      }
    } else {
      msg.headerClear();
      msg.headerAppendU32(0);
    }
    if (!this.poly) return super.send(aio);
    // Best effort: the send succeeds whether or not the peer can take the message now.
    if (!aio.begin(null, -1)) return;
    aio.msg = null;
    const pipe = msg.pipe === 0 ? this.polyPeers.values().next().value : this.polyPeers.get(msg.pipe);
    if (pipe) {
      const peer = pipe.protoData as PolyPeer;
      if (peer.queue.length < POLY_PIPE_QUEUE) {
        peer.queue.push(msg);
        this.flushPoly(pipe, peer);
      } else this.host.count("tx-drop");
    } else this.host.count("tx-drop");
    aio.finish(0);
  }

  override getOption(name: string): OptionValue | undefined {
    return name === "pair1:polyamorous" ? this.poly : undefined;
  }

  override optionChanged(name: string, value: OptionValue): void {
    if (name === "ttl-max") this.ttlMax = undefined;
    if (name === "pair1:polyamorous") {
      // NNG fixes the mode once peers have been seen.
      if (this.anyPipeSeen) throw new NngError("ESTATE", "pair1:polyamorous must be set before connecting");
      this.poly = value as boolean;
      return;
    }
    super.optionChanged(name, value);
  }

  private flushPoly(pipe: Pipe, peer: PolyPeer): void {
    while (!peer.busy && peer.queue.length > 0) {
      const msg = peer.queue.shift()!;
      bumpHops(msg);
      if (!pipe.send(msg)) peer.busy = true;
    }
  }

  private malformed(pipe: Pipe): void {
    this.host.count("rx-malformed");
    pipe.close();
  }
}

export const pair1: ProtocolFactory = {
  info: { id: 0x11, name: "pair1", peerId: 0x11, peerName: "pair1" },
  create: (host) => new Pair1Protocol(host),
};
