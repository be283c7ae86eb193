import { Aio, DURATION_INFINITE } from "../core/aio.js";
import { NngError } from "../core/errors.js";
import type { Socket } from "./socket.js";

/** A running device: `stop()` ends it; `done` settles once it has ended. */
export interface DeviceHandle {
  /** Stops forwarding (a message in flight is dropped); `done` then resolves. */
  stop(): void;
  /**
   * Resolves when the device ends because `stop()` was called or a socket closed; rejects with
   * the NngError of any other failure.
   */
  readonly done: Promise<void>;
}

/** One direction: receive on `src`, send the same message (on the same aio) on `dst`, repeat. */
class Path {
  readonly aio: Aio;
  private sending = false;

  constructor(
    private readonly src: Socket,
    private readonly dst: Socket,
    private readonly device: Device,
  ) {
    // One callback per path, not per message: the aio carries each message from recv to send.
    this.aio = new Aio((aio) => this.step(aio));
    this.aio.timeout = DURATION_INFINITE;
  }

  start(): void {
    this.src.recvAio(this.aio);
  }

  private step(aio: Aio): void {
    const err = aio.result;
    if (err !== 0) {
      aio.msg = null; // a message that could not be forwarded is dropped
      this.device.pathEnded(this, err, !this.sending);
      return;
    }
    this.sending = !this.sending;
    if (this.sending) this.dst.sendAio(aio);
    else this.src.recvAio(aio);
  }
}

class Device implements DeviceHandle {
  readonly done: Promise<void>;
  private readonly paths: Path[];
  private running: number;
  private firstError: NngError | null = null;
  private settle!: (err: NngError | null) => void;

  constructor(a: Socket, b: Socket) {
    this.paths = a === b ? [new Path(a, a, this)] : [new Path(a, b, this), new Path(b, a, this)];
    this.running = this.paths.length;
    this.done = new Promise<void>((resolve, reject) => {
      this.settle = (err) => (err ? reject(err) : resolve());
    });
    for (const p of this.paths) p.start();
  }

  stop(): void {
    for (const p of this.paths) void p.aio.stop();
  }

  /** @internal */
  pathEnded(path: Path, err: NngError, receiving: boolean): void {
    this.running--;
    // A socket that cannot receive (push, pub...) just has no path in that direction.
    const oneWay = receiving && err.code === "ENOTSUP";
    if (!oneWay) {
      this.firstError ??= err;
      for (const p of this.paths) if (p !== path) void p.aio.stop();
    }
    if (this.running > 0) return;
    const e = this.firstError;
    this.settle(e === null || e.code === "ECLOSED" || e.code === "ECANCELED" ? null : e);
  }
}

/**
 * nng_device: forwards messages both ways between two raw sockets of peer protocols (e.g. a raw
 * rep listening for requesters and a raw req dialing the servers), so that a request's
 * backtrace grows by one hop per device. `device(s)` with one socket of a self-peered protocol
 * (pair, bus) is a reflector, sending what `s` receives back into `s`. Throws EINVAL unless both
 * sockets are raw and peers of each other.
 */
export function device(a: Socket, b: Socket = a): DeviceHandle {
  if (a.closed || b.closed) throw new NngError("ECLOSED");
  if (a.info.peerId !== b.info.id || b.info.peerId !== a.info.id) {
    throw new NngError("EINVAL", `${a.info.name} and ${b.info.name} are not peers`);
  }
  if (!a.raw || !b.raw) throw new NngError("EINVAL", "device sockets must be raw");
  return new Device(a, b);
}
