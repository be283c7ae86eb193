// A hand-rolled WebSocket peer for tests that must send what a good peer never would (TEXT,
// oversized frames, no subprotocol, a stalled handshake) and see exactly what comes back.
import { randomBytes } from "node:crypto";
import { connect, createServer, type Server, type Socket } from "node:net";
import { createHash } from "node:crypto";

export interface Frame {
  fin: boolean;
  op: number;
  payload: Buffer;
}

/** Parses whole frames out of a byte stream (masked or not). */
export class FrameReader {
  private buf = Buffer.alloc(0);
  readonly frames: Frame[] = [];

  push(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    for (;;) {
      const b = this.buf;
      if (b.length < 2) return;
      const masked = (b[1]! & 0x80) !== 0;
      let len = b[1]! & 0x7f;
      let at = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        len = Number(b.readBigUInt64BE(2));
        at = 10;
      }
      const mask = masked ? b.subarray(at, at + 4) : null;
      if (masked) at += 4;
      if (b.length < at + len) return;
      const payload = Buffer.from(b.subarray(at, at + len));
      if (mask) for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i & 3]!;
      this.frames.push({ fin: (b[0]! & 0x80) !== 0, op: b[0]! & 0x0f, payload });
      this.buf = b.subarray(at + len);
    }
  }
}

/** One frame's bytes; clients mask (`mask` true). Lengths may lie in `claimLength` tests. */
export function frame(op: number, payload: Uint8Array, opts: { fin?: boolean; mask?: boolean } = {}): Buffer {
  const fin = opts.fin ?? true;
  const mask = opts.mask ?? true;
  const len = payload.length;
  const head: number[] = [(fin ? 0x80 : 0) | op];
  const m = mask ? 0x80 : 0;
  if (len < 126) head.push(m | len);
  else if (len < 65536) head.push(m | 126, len >> 8, len & 0xff);
  else {
    head.push(m | 127, 0, 0, 0, 0);
    head.push((len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), payload]);
  const key = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i]! ^= key[i & 3]!;
  return Buffer.concat([Buffer.from(head), key, body]);
}

export const OP = { CONT: 0, TEXT: 1, BINARY: 2, CLOSE: 8 } as const;

export interface RawClient {
  readonly sock: Socket;
  readonly status: number;
  readonly headers: string;
  readonly reader: FrameReader;
  /** Resolves with the close code the server sent (or -1 if the connection ended without one). */
  closed: Promise<number>;
}

/**
 * Opens a WebSocket by hand. `protocol` undefined sends no Sec-WebSocket-Protocol header.
 * Resolves once the HTTP response head arrived (any status).
 */
export function rawClient(port: number, path: string, protocol: string | undefined): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, "127.0.0.1");
    const key = randomBytes(16).toString("base64");
    const lines = [
      `GET ${path} HTTP/1.1`,
      `Host: 127.0.0.1:${port}`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      `Sec-WebSocket-Key: ${key}`,
      "Sec-WebSocket-Version: 13",
    ];
    if (protocol !== undefined) lines.push(`Sec-WebSocket-Protocol: ${protocol}`);
    sock.write(`${lines.join("\r\n")}\r\n\r\n`);
    let head = Buffer.alloc(0);
    const reader = new FrameReader();
    let settle: (code: number) => void = () => {};
    const closed = new Promise<number>((r) => (settle = r));
    const onClose = (): void => {
      const c = reader.frames.find((f) => f.op === OP.CLOSE);
      settle(c && c.payload.length >= 2 ? c.payload.readUInt16BE(0) : -1);
    };
    sock.on("error", () => {});
    sock.on("close", onClose);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      sock.off("data", onData);
      const text = head.subarray(0, end).toString("latin1");
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0);
      sock.on("data", (c: Buffer) => {
        reader.push(c);
        // Answer a close like a polite peer would, so the server can finish cleanly.
        if (reader.frames.some((f) => f.op === OP.CLOSE)) sock.end();
      });
      const rest = head.subarray(end + 4);
      if (rest.length) reader.push(rest);
      resolve({ sock, status, headers: text, reader, closed });
    };
    sock.on("data", onData);
    sock.once("error", reject);
  });
}

/** A server that completes any upgrade with `protocol` and records the client's frames. */
export interface RawPeer {
  readonly sock: Socket;
  readonly reader: FrameReader;
}

export function rawServer(protocol: string): Promise<{ server: Server; port: number; peers: RawPeer[] }> {
  const peers: RawPeer[] = [];
  const server = createServer((sock) => {
    let head = Buffer.alloc(0);
    sock.on("error", () => {});
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      sock.off("data", onData);
      const key = /sec-websocket-key: *(\S+)/i.exec(head.subarray(0, end).toString("latin1"))?.[1] ?? "";
      const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
      sock.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
      );
      const reader = new FrameReader();
      peers.push({ sock, reader });
      sock.on("data", (c: Buffer) => reader.push(c));
      const rest = head.subarray(end + 4);
      if (rest.length) reader.push(rest);
    };
    sock.on("data", onData);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const a = server.address();
      resolve({ server, port: typeof a === "object" && a ? a.port : 0, peers });
    }),
  );
}
