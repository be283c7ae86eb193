import type { Aio } from "../core/aio.js";
import { NngError } from "../core/errors.js";
import type { Message } from "../core/message.js";
import type { OptionValue } from "../core/options.js";
import { Ring } from "../core/queue.js";
import type { Pipe } from "../socket/pipe.js";
import type { Protocol, ProtocolFactory, ProtocolHost, ProtocolOption } from "../socket/protocol.js";
import { refuse } from "./queued.js";

/** One pipe's best-effort outbox. */
interface Outbox {
  readonly pipe: Pipe;
  readonly queue: Ring<Message>;
  /** The connection said busy: queue until it is writable again. */
  busy: boolean;
}

/**
 * Best-effort fan-out to every pipe, shared by pub0 and bus0: a send never waits; each pipe that
 * is busy gets a queue of `depth` messages, and a full queue drops its oldest (pub) or the new
 * message (bus). Subscribers share the payload: each gets an O(1) copy-on-write `dup()`.
 */
export class Broadcaster {
  private readonly outboxes: Outbox[] = [];

  constructor(
    public depth: number,
    private readonly dropOldest: boolean,
    private readonly host: ProtocolHost,
  ) {}

  add(pipe: Pipe): void {
    const box: Outbox = { pipe, queue: new Ring<Message>(), busy: false };
    pipe.protoData = box;
    this.outboxes.push(box);
  }

  remove(pipe: Pipe): void {
    const box = pipe.protoData as Outbox | null;
    if (!box) return;
    const i = this.outboxes.indexOf(box);
    if (i >= 0) this.outboxes.splice(i, 1);
    box.queue.drain();
  }

  writable(pipe: Pipe): void {
    const box = pipe.protoData as Outbox | null;
    if (!box || pipe.closed) return;
    box.busy = false;
    while (!box.busy) {
      const msg = box.queue.shift();
      if (msg === undefined) break;
      box.busy = !pipe.send(msg);
    }
  }

  /** Sends `msg` (which it now owns) to every pipe except the one whose id is `skip` (0: none). */
  broadcast(msg: Message, skip: number): void {
    const boxes = this.outboxes;
    let last = boxes.length - 1;
    while (last >= 0 && boxes[last]!.pipe.id === skip) last--;
    for (let i = 0; i <= last; i++) {
      const box = boxes[i]!;
      if (box.pipe.id === skip) continue;
      this.put(box, i === last ? msg : msg.dup());
    }
  }

  setDepth(depth: number): void {
    this.depth = depth;
    for (const box of this.outboxes) {
      while (box.queue.length > depth) {
        box.queue.shift();
        this.host.count("tx-drop");
      }
    }
  }

  close(): void {
    for (const box of this.outboxes) box.queue.drain();
    this.outboxes.length = 0;
  }

  private put(box: Outbox, msg: Message): void {
    if (!box.busy) {
      box.busy = !box.pipe.send(msg);
      return;
    }
    if (box.queue.length >= this.depth) {
      this.host.count("tx-drop");
      if (!this.dropOldest) return;
      box.queue.shift();
    }
    box.queue.push(msg);
  }
}

// NNG 1.5.2: send-buffer is the per-pipe queue (1..8192, default 16); recv-buffer is the generic one.
const PUB_OPTIONS: readonly ProtocolOption[] = [
  { name: "send-buffer", kind: "int", min: 1, max: 8192, default: 16 },
  { name: "recv-buffer", kind: "int", min: 0, max: 8192, default: 1 },
];

/**
 * pub0: every message goes to every subscriber, never waiting; a subscriber that cannot keep up
 * loses its oldest queued messages. Filtering happens at the subscribers. Raw pub is the same.
 */
class Pub0Protocol implements Protocol {
  readonly options = PUB_OPTIONS;
  private readonly out: Broadcaster;

  constructor(private readonly host: ProtocolHost) {
    this.out = new Broadcaster(16, true, host);
  }

  addPipe(pipe: Pipe): boolean {
    this.out.add(pipe);
    return true;
  }

  removePipe(pipe: Pipe): void {
    this.out.remove(pipe);
  }

  pipeMessage(pipe: Pipe): void {
    // A subscriber never sends; NNG drops a pipe that does.
    this.host.count("rx-malformed");
    pipe.close();
  }

  pipeWritable(pipe: Pipe): void {
    this.out.writable(pipe);
  }

  send(aio: Aio): void {
    const msg = aio.msg!;
    if (!aio.begin(null, -1)) return;
    aio.msg = null;
    this.out.broadcast(msg, 0);
    aio.finish(0);
  }

  recv(aio: Aio): void {
    refuse(aio, new NngError("ENOTSUP", "pub cannot receive"));
  }

  getOption(_name: string): OptionValue | undefined {
    return undefined;
  }

  optionChanged(name: string, value: OptionValue): void {
    if (name === "send-buffer") this.out.setDepth(value as number);
  }

  close(): void {
    this.out.close();
  }
}

export const pub0: ProtocolFactory = {
  info: { id: 0x20, name: "pub", peerId: 0x21, peerName: "sub" },
  create: (host) => new Pub0Protocol(host),
};
