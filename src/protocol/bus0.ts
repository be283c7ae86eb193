import type { Aio } from "../core/aio.js";
import type { Message } from "../core/message.js";
import type { OptionValue } from "../core/options.js";
import type { Pipe } from "../socket/pipe.js";
import type { Protocol, ProtocolFactory, ProtocolHost, ProtocolOption } from "../socket/protocol.js";
import { Broadcaster } from "./pub0.js";
import { RecvQueue } from "./recv-queue.js";

/** NNG 1.5.2 gives each bus pipe a queue of 16 messages; a full one drops the new message. */
const PIPE_QUEUE = 16;

// libnng 1.5.2 reports recv-buffer 1 and send-buffer 0 on bus sockets. Here a non-zero
// send-buffer sets the depth of each pipe's queue; 0 keeps NNG's 16.
const BUS_OPTIONS: readonly ProtocolOption[] = [
  { name: "recv-buffer", kind: "int", min: 0, max: 8192, default: 1 },
  { name: "send-buffer", kind: "int", min: 0, max: 8192, default: 0 },
];

/**
 * bus0: a send goes to every connected peer, best effort (never waits); received messages are
 * fair-queued. Raw mode puts the source pipe id (u32) in the header on receive and, on send,
 * takes it off again and skips that pipe, so a device forwarding between buses does not echo.
 */
class Bus0Protocol implements Protocol {
  readonly options = BUS_OPTIONS;
  private readonly out: Broadcaster;
  private readonly recvQ = new RecvQueue(1);

  constructor(private readonly host: ProtocolHost) {
    this.out = new Broadcaster(PIPE_QUEUE, false, host);
  }

  addPipe(pipe: Pipe): boolean {
    this.out.add(pipe);
    return true;
  }

  removePipe(pipe: Pipe): void {
    this.out.remove(pipe);
    this.recvQ.removePipe(pipe);
  }

  pipeMessage(pipe: Pipe, msg: Message): void {
    if (this.host.raw) msg.headerAppendU32(pipe.id);
    this.recvQ.deliver(msg, pipe);
  }

  pipeWritable(pipe: Pipe): void {
    this.out.writable(pipe);
  }

  send(aio: Aio): void {
    const msg = aio.msg!;
    if (!aio.begin(null, -1)) return;
    aio.msg = null;
    let skip = 0;
    if (!this.host.raw) msg.headerClear();
    else if (msg.headerLength >= 4) skip = msg.headerTrimU32();
    this.out.broadcast(msg, skip);
    aio.finish(0);
  }

  recv(aio: Aio): void {
    this.recvQ.recv(aio, this.host.option("recv-timeout") as number);
  }

  getOption(_name: string): OptionValue | undefined {
    return undefined;
  }

  optionChanged(name: string, value: OptionValue): void {
    if (name === "recv-buffer") this.recvQ.setCapacity(value as number);
    else if (name === "send-buffer") this.out.setDepth((value as number) || PIPE_QUEUE);
  }

  close(): void {
    this.out.close();
    this.recvQ.close();
  }
}

export const bus0: ProtocolFactory = {
  info: { id: 0x70, name: "bus", peerId: 0x70, peerName: "bus" },
  create: (host) => new Bus0Protocol(host),
};
