// The ceiling: node:net with NNG's exact framing and no protocol logic, in the same four roles as NNG's perf tools.
import { existsSync, rmSync } from "node:fs";
import { connect, createServer, type Server, type Socket as NetSocket } from "node:net";
import { FLUSH_AT, FrameCutter, FrameWriter, handshake } from "./ceiling-framing.js";
import { seconds } from "./nngts.js";
import type { Measurement } from "./spec.js";

// The SP protocol numbers put in the headers (push 0x50, pull 0x51); nothing checks them.
const PROTO_SEND = 0x50;
const PROTO_RECV = 0x51;

type Address = { path: string } | { host: string; port: number };

function address(url: string): Address {
  if (url.startsWith("ipc://")) return { path: url.slice(6) };
  const m = /^tcp:\/\/([^:]+):(\d+)$/.exec(url);
  if (!m) throw new Error(`unsupported url ${url}`);
  return { host: m[1]!, port: Number(m[2]) };
}

/** Listens on `url` (tcp port 0 picks one); resolves with the server and the url actually bound. */
function listen(url: string, onConnection: (sock: NetSocket) => void): Promise<{ server: Server; url: string }> {
  const addr = address(url);
  return new Promise((resolve, reject) => {
    const server = createServer({ noDelay: true }, onConnection);
    server.once("error", reject);
    const bound = (): void => {
      const a = server.address();
      resolve({ server, url: "path" in addr ? url : `tcp://${addr.host}:${typeof a === "object" && a ? a.port : 0}` });
    };
    if ("path" in addr) {
      if (existsSync(addr.path)) rmSync(addr.path);
      server.listen(addr.path, bound);
    } else server.listen(addr.port, addr.host, bound);
  });
}

function dial(url: string): Promise<NetSocket> {
  const addr = address(url);
  return new Promise((resolve, reject) => {
    const sock = "path" in addr ? connect(addr.path) : connect(addr.port, addr.host);
    sock.setNoDelay(true);
    sock.once("error", reject);
    sock.once("connect", () => {
      sock.off("error", reject);
      resolve(sock);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((r) => server.close(() => r()));
}

/** Feeds frames from `sock` (starting with what the handshake left over) into `cutter`. */
function readFrames(sock: NetSocket, early: Uint8Array | null, cutter: FrameCutter): void {
  if (early) cutter.push(early);
  sock.on("data", (chunk: Uint8Array) => cutter.push(chunk));
  sock.resume();
}

/** local_thr: the first (empty) frame syncs, then `count` frames of `size` bytes are timed. */
export async function ceilingReceive(ipc: boolean, url: string, size: number, count: number, ready: (url: string) => void): Promise<Measurement> {
  let result!: (m: Measurement) => void;
  let failed!: (e: Error) => void;
  const done = new Promise<Measurement>((res, rej) => ((result = res), (failed = rej)));
  const { server, url: bound } = await listen(url, (sock) => {
    sock.on("error", failed);
    handshake(sock, PROTO_RECV).then((early) => {
      let start = 0;
      let received = -1;
      const cutter = new FrameCutter(ipc, (payload) => {
        if (received < 0) {
          start = seconds();
          received = 0;
          return;
        }
        if (payload.length !== size) return failed(new Error(`wrong frame size ${payload.length} != ${size}`));
        if (++received === count) {
          result({ seconds: seconds() - start, count });
          sock.destroy();
        }
      });
      readFrames(sock, early, cutter);
    }, failed);
  });
  ready(bound);
  try {
    return await done;
  } finally {
    await closeServer(server);
  }
}

/** remote_thr: the sync frame, then `count` frames of one reused `size`-byte payload, batched per 64 KiB. */
export async function ceilingSend(ipc: boolean, url: string, size: number, count: number): Promise<void> {
  const sock = await dial(url);
  await handshake(sock, PROTO_SEND);
  const payload = new Uint8Array(size);
  const writer = new FrameWriter(sock, ipc);
  await new Promise<void>((resolve, reject) => {
    sock.on("error", reject);
    let sent = -1;
    const pump = (): void => {
      for (;;) {
        if (sent === count) {
          writer.flush();
          sock.end(resolve);
          return;
        }
        writer.add(sent < 0 ? payload.subarray(0, 0) : payload);
        sent++;
        if (writer.pending >= FLUSH_AT && !writer.flush()) {
          sock.once("drain", pump);
          return;
        }
      }
    };
    pump();
  });
}

function echoFrame(writer: FrameWriter, payload: Uint8Array): void {
  writer.add(payload);
  writer.flush();
}

/** local_lat: sends every frame straight back, `count` times. */
export async function ceilingServeLatency(ipc: boolean, url: string, count: number, ready: (url: string) => void): Promise<void> {
  let finished!: () => void;
  let failed!: (e: Error) => void;
  const done = new Promise<void>((res, rej) => ((finished = res), (failed = rej)));
  const { server, url: bound } = await listen(url, (sock) => {
    sock.on("error", failed);
    handshake(sock, PROTO_RECV).then((early) => {
      const writer = new FrameWriter(sock, ipc);
      let answered = 0;
      readFrames(
        sock,
        early,
        new FrameCutter(ipc, (payload) => {
          echoFrame(writer, payload);
          if (++answered === count) sock.end(finished);
        }),
      );
    }, failed);
  });
  ready(bound);
  try {
    await done;
  } finally {
    await closeServer(server);
  }
}

/**
 * remote_lat: `count` round trips of one `size`-byte frame, timed after `warmup` untimed ones (and, as
 * NNG's remote_lat and the nngts client, 100 ms after connecting).
 */
export async function ceilingMeasureLatency(ipc: boolean, url: string, size: number, count: number, warmup = 0): Promise<Measurement> {
  const sock = await dial(url);
  const early = await handshake(sock, PROTO_SEND);
  const writer = new FrameWriter(sock, ipc);
  await new Promise((r) => setTimeout(r, 100));
  let start = seconds();
  await new Promise<void>((resolve, reject) => {
    sock.on("error", reject);
    let trips = 0;
    readFrames(
      sock,
      early,
      new FrameCutter(ipc, (payload) => {
        if (payload.length !== size) return reject(new Error(`wrong frame size ${payload.length} != ${size}`));
        if (++trips === warmup) start = seconds();
        if (trips === warmup + count) return resolve();
        echoFrame(writer, payload);
      }),
    );
    echoFrame(writer, new Uint8Array(size));
  });
  const m = { seconds: seconds() - start, count };
  sock.destroy();
  return m;
}
