// Fuzz targets for the ws frame path: the frame guard alone (src/transport/ws-frame-guard.ts) and
// the whole nngts ws listener (the `ws` decoder behind the guard) fed hostile byte streams by a
// hand-rolled client after a valid upgrade. A reference reading of RFC 6455 (as the listener is
// configured: no extensions, masked client frames, TEXT refused) says what each stream must give.
import { randomBytes } from "node:crypto";
import { connect, type Socket as NetSocket } from "node:net";
import fc from "fast-check";
import { NngError } from "../../src/core/errors.js";
import type { Message } from "../../src/core/message.js";
import { Pull0, Push0 } from "../../src/index.js";
import { FrameGuard } from "../../src/transport/ws-frame-guard.js";
import { FrameReader } from "../helpers/ws-raw.js";
import type { FuzzTarget } from "./targets.js";

type Prop = fc.IRawProperty<unknown>;

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(`invariant broken: ${what}`);
}

// ---------------------------------------------------------------- generating frame streams

interface FrameSpec {
  fin: boolean;
  rsv: number;
  op: number;
  masked: boolean;
  payload: Uint8Array;
  /** How the length is written: shortest form, forced 16/64-bit, or a lie (declared != sent). */
  lenForm: "min" | "16" | "64" | "lie";
  lie: bigint;
  key: Uint8Array;
}

function encodeFrame(f: FrameSpec): Uint8Array {
  const len = f.payload.length;
  let declared = BigInt(len);
  let form = f.lenForm;
  if (form === "lie") {
    declared = f.lie;
    form = declared < 126n ? "min" : declared < 65536n ? "16" : "64";
  } else if (form === "min") form = len < 126 ? "min" : len < 65536 ? "16" : "64";
  if (form === "16" && declared > 0xffffn) form = "64";
  const head: number[] = [(f.fin ? 0x80 : 0) | ((f.rsv & 7) << 4) | (f.op & 0x0f)];
  const m = f.masked ? 0x80 : 0;
  if (form === "min") head.push(m | Number(declared));
  else if (form === "16") head.push(m | 126, Number(declared >> 8n), Number(declared & 0xffn));
  else {
    head.push(m | 127);
    for (let i = 7; i >= 0; i--) head.push(Number((declared >> BigInt(i * 8)) & 0xffn));
  }
  const out = new Uint8Array(head.length + (f.masked ? 4 : 0) + len);
  out.set(head);
  let at = head.length;
  if (f.masked) {
    out.set(f.key, at);
    at += 4;
  }
  for (let i = 0; i < len; i++) out[at + i] = f.masked ? f.payload[i]! ^ f.key[i & 3]! : f.payload[i]!;
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const closePayload = fc.oneof(
  fc.constant(new Uint8Array(0)),
  fc.uint8Array({ minLength: 1, maxLength: 1 }),
  fc
    .tuple(fc.oneof(fc.constantFrom(1000, 1001, 1002, 1003, 1004, 1005, 1006, 1009, 1014, 1015, 2999, 3000, 4999, 5000), fc.integer({ min: 0, max: 0xffff })), fc.uint8Array({ maxLength: 12 }))
    .map(([code, reason]) => concat([Uint8Array.of(code >> 8, code & 0xff), reason])),
);

const declaredLength = fc.oneof(
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  fc.integer({ min: 0, max: 6000 }).map(BigInt),
  fc.constantFrom(125n, 126n, 127n, 0xffffn, 0x10000n, (1n << 53n) - 1n, 1n << 53n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n, 1n << 32n, (1n << 20n) + 1n),
);

const arbitraryFrame: fc.Arbitrary<FrameSpec> = fc
  .record({
    fin: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    rsv: fc.oneof({ weight: 12, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 7 }) }),
    op: fc.oneof(
      { weight: 6, arbitrary: fc.constant(2) },
      { weight: 3, arbitrary: fc.constant(0) },
      { weight: 2, arbitrary: fc.constantFrom(9, 10) },
      { weight: 1, arbitrary: fc.constant(8) },
      { weight: 1, arbitrary: fc.constant(1) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 15 }) },
    ),
    masked: fc.oneof({ weight: 12, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    payload: fc.oneof({ weight: 8, arbitrary: fc.uint8Array({ maxLength: 64 }) }, { weight: 1, arbitrary: fc.uint8Array({ minLength: 100, maxLength: 5000 }) }),
    lenForm: fc.oneof({ weight: 10, arbitrary: fc.constant<"min">("min") }, { weight: 1, arbitrary: fc.constantFrom<"16" | "64" | "lie">("16", "64", "lie") }),
    lie: declaredLength,
    key: fc.uint8Array({ minLength: 4, maxLength: 4 }),
    close: closePayload,
  })
  .map((r) => ({ ...r, payload: r.op === 8 ? r.close : r.op >= 8 ? r.payload.subarray(0, 125) : r.payload }));

/** Whole messages cut into fragments with pings and pongs between them: a stream a good peer may send. */
const validStream = fc
  .array(
    fc.record({
      body: fc.oneof({ weight: 6, arbitrary: fc.uint8Array({ maxLength: 80 }) }, { weight: 1, arbitrary: fc.uint8Array({ minLength: 126, maxLength: 1500 }) }),
      cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 3 }),
      controls: fc.array(fc.record({ op: fc.constantFrom(9, 10), payload: fc.uint8Array({ maxLength: 125 }) }), { maxLength: 2 }),
      key: fc.uint8Array({ minLength: 4, maxLength: 4 }),
    }),
    { minLength: 1, maxLength: 6 },
  )
  .map((msgs) => {
    const parts: Uint8Array[] = [];
    for (const m of msgs) {
      const points = [...new Set(m.cuts.map((c) => Math.floor(c * m.body.length)))].filter((p) => p > 0 && p < m.body.length).sort((a, b) => a - b);
      const bounds = [0, ...points, m.body.length];
      for (let i = 0; i + 1 < bounds.length; i++) {
        const last = i + 2 === bounds.length;
        const base = { rsv: 0, masked: true, lenForm: "min" as const, lie: 0n, key: m.key };
        parts.push(encodeFrame({ ...base, fin: last, op: i === 0 ? 2 : 0, payload: m.body.subarray(bounds[i], bounds[i + 1]) }));
        const c = m.controls[i];
        if (c && !last) parts.push(encodeFrame({ ...base, fin: true, op: c.op, payload: c.payload }));
      }
    }
    return concat(parts);
  });

type Mutation = { kind: "flip"; at: number; xor: number } | { kind: "set"; at: number; value: number } | { kind: "cut"; at: number } | { kind: "insert"; at: number; bytes: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant<"flip">("flip"), at: fc.double({ min: 0, max: 1, noNaN: true }), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant<"set">("set"), at: fc.double({ min: 0, max: 1, noNaN: true }), value: fc.constantFrom(0x00, 0x01, 0x02, 0x08, 0x09, 0x0a, 0x7e, 0x7f, 0x80, 0x81, 0x82, 0x88, 0xfe, 0xff) }),
  fc.record({ kind: fc.constant<"cut">("cut"), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant<"insert">("insert"), at: fc.double({ min: 0, max: 1, noNaN: true }), bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }),
) as fc.Arbitrary<Mutation>;

function mutate(bytes: Uint8Array, muts: Mutation[]): Uint8Array {
  let b: Uint8Array = bytes.slice();
  for (const m of muts) {
    const at = Math.min(b.length, Math.floor(m.at * b.length));
    if (m.kind === "cut") b = b.slice(0, at);
    else if (m.kind === "insert") b = concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
    else if (at < b.length) b[at] = m.kind === "flip" ? b[at]! ^ m.xor : m.value;
  }
  return b;
}

/** A byte stream for after the upgrade: arbitrary bytes, arbitrary frames, or a mutated valid stream. */
export const wsStream: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 256 }) },
  { weight: 3, arbitrary: fc.array(arbitraryFrame, { minLength: 1, maxLength: 6 }).map((fs) => concat(fs.map(encodeFrame))) },
  { weight: 2, arbitrary: validStream },
  { weight: 3, arbitrary: fc.tuple(validStream, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([s, m]) => mutate(s, m)) },
);

// ---------------------------------------------------------------- the reference reading

export interface Limits {
  /** recv-size-max (0: none). */
  recvMax: number;
  /** ws:rxframe-max (0: none). */
  rxFrameMax: number;
}

export interface Reading {
  /** Whole BINARY messages, in order, up to where the stream ends or goes wrong. */
  messages: Uint8Array[];
  /**
   * clean: whole frames, no message left open (the connection stays usable); error: the server must
   * close it; closed: a close frame ends it; incomplete: more bytes are awaited.
   */
  end: "clean" | "error" | "closed" | "incomplete";
}

const u32 = (b: Uint8Array, at: number) => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

function validCloseCode(c: number): boolean {
  return (c >= 1000 && c <= 1014 && c !== 1004 && c !== 1005 && c !== 1006) || (c >= 3000 && c <= 4999);
}

/** What a server (masked frames required, no extensions, TEXT refused) makes of `b`. */
export function readStream(b: Uint8Array, limits: Limits): Reading {
  const messages: Uint8Array[] = [];
  let fragmented = false;
  let parts: Uint8Array[] = [];
  let total = 0;
  let at = 0;
  const out = (end: Reading["end"]): Reading => ({ messages, end });
  for (;;) {
    if (at === b.length) return out(fragmented ? "incomplete" : "clean");
    if (b.length - at < 2) return out("incomplete");
    const b0 = b[at]!;
    const b1 = b[at + 1]!;
    const fin = (b0 & 0x80) !== 0;
    const op = b0 & 0x0f;
    const len7 = b1 & 0x7f;
    if (b0 & 0x70) return out("error"); // no extension: RSV bits must be clear
    if (op === 0 && !fragmented) return out("error");
    if ((op === 1 || op === 2) && fragmented) return out("error");
    if ((op >= 3 && op <= 7) || op >= 11) return out("error");
    if (op >= 8 && (!fin || len7 > 125 || (op === 8 && len7 === 1))) return out("error");
    if (!(b1 & 0x80)) return out("error"); // client frames are masked
    let hlen = 2;
    let size = len7;
    if (len7 === 126) {
      if (b.length - at < 4) return out("incomplete");
      size = (b[at + 2]! << 8) | b[at + 3]!;
      hlen = 4;
    } else if (len7 === 127) {
      if (b.length - at < 10) return out("incomplete");
      const hi = u32(b, at + 2);
      if (hi > 2 ** 21 - 1) return out("error"); // beyond 2^53 - 1
      size = hi * 2 ** 32 + u32(b, at + 6);
      hlen = 10;
    }
    if (op < 8 && size > 0) {
      total += size;
      if (limits.recvMax > 0 && total > limits.recvMax) return out("error");
    }
    if (b.length - at < hlen + 4) return out("incomplete");
    if (op === 1) return out("error"); // TEXT
    if (op < 8 && limits.rxFrameMax > 0 && size > limits.rxFrameMax) return out("error");
    const key = b.subarray(at + hlen, at + hlen + 4);
    const start = at + hlen + 4;
    if (b.length - start < size) return out("incomplete");
    const payload = b.slice(start, start + size);
    for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i & 3]!;
    at = start + size;
    if (op === 8) {
      if (size >= 2 && !validCloseCode((payload[0]! << 8) | payload[1]!)) return out("error");
      return out("closed");
    }
    if (op >= 8) continue;
    parts.push(payload);
    fragmented = !fin;
    if (fin) {
      messages.push(concat(parts));
      parts = [];
      total = 0;
    }
  }
}

/** What the frame guard alone must report for `b`: the close code of its first violation, or 0. */
function guardReading(b: Uint8Array, rxFrameMax: number): number {
  let at = 0;
  for (;;) {
    if (b.length - at < 2) return 0;
    const op = b[at]! & 0x0f;
    const len7 = b[at + 1]! & 0x7f;
    const hlen = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (b[at + 1]! & 0x80 ? 4 : 0);
    if (b.length - at < hlen) return 0;
    let size = len7;
    if (len7 === 126) size = (b[at + 2]! << 8) | b[at + 3]!;
    else if (len7 === 127) size = u32(b, at + 2) * 2 ** 32 + u32(b, at + 6);
    if (op === 1) return 1003;
    if (op === 8) return 0;
    if (op < 8 && rxFrameMax > 0 && size > rxFrameMax) return 1009;
    at += hlen + size;
    if (at > b.length) return 0;
  }
}

// ---------------------------------------------------------------- the frame guard alone

function chunked(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].filter((p) => p > 0 && p < bytes.length).sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.slice(at, p));
    at = p;
  }
  return out;
}

const frameGuard: FuzzTarget = {
  name: "ws frame guard",
  property: () => ({
    prop: fc.property(
      wsStream,
      fc.oneof(fc.constant(0), fc.constant(1024 * 1024), fc.integer({ min: 1, max: 4096 })),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }),
      (bytes, rxFrameMax, cuts) => {
        const seen: number[] = [];
        const g = new FrameGuard(rxFrameMax, (code) => seen.push(code));
        const copy = bytes.slice();
        for (const c of chunked(bytes, cuts)) g.push(c);
        check(Buffer.from(copy).equals(bytes), "the guard never modifies the stream");
        check(seen.length <= 1, `at most one violation (got ${seen.length})`);
        const want = guardReading(bytes, rxFrameMax);
        check((seen[0] ?? 0) === want, `violation ${seen[0] ?? 0}, expected ${want}`);
      },
    ) as unknown as Prop,
    teardown: async () => {},
  }),
};

// ---------------------------------------------------------------- the nngts ws listener

const PULL = "pull.sp.nanomsg.org";

/** A hand-rolled client after a valid upgrade (nngts dialers never send what this one does). */
interface Attacker {
  sock: NetSocket;
  reader: FrameReader;
  ended: boolean;
  /** Resolves when the server sent a close frame or the connection ended. */
  done: Promise<void>;
}

function openAttacker(port: number, early: Uint8Array): Promise<Attacker> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, "127.0.0.1");
    sock.setNoDelay(true);
    const request =
      `GET /fuzz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ${PULL}\r\n\r\n`;
    // Bytes sent with the request reach the server as the upgrade's `head`.
    sock.write(concat([Buffer.from(request, "latin1"), early]));
    const reader = new FrameReader();
    let head = Buffer.alloc(0);
    let finish: () => void = () => {};
    const a: Attacker = { sock, reader, ended: false, done: new Promise<void>((r) => (finish = r)) };
    const timer = setTimeout(() => reject(new Error("no upgrade response in 5 s")), 5_000);
    sock.on("error", () => {});
    sock.on("close", () => {
      a.ended = true;
      finish();
      clearTimeout(timer);
      reject(new Error("closed before the upgrade response"));
    });
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      clearTimeout(timer);
      sock.off("data", onData);
      const status = /^HTTP\/1\.1 (\d+)/.exec(head.subarray(0, end).toString("latin1"))?.[1];
      if (status !== "101") return reject(new Error(`upgrade refused: ${status}`));
      sock.on("data", (c: Buffer) => {
        reader.push(c);
        if (reader.frames.some((f) => f.op === 8)) finish();
      });
      reader.push(head.subarray(end + 4));
      if (reader.frames.some((f) => f.op === 8)) finish();
      resolve(a);
    };
    sock.on("data", onData);
  });
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`invariant broken: ${what} within ${ms} ms`)), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

const turn = () => new Promise<void>((r) => setImmediate(r));

/** One listener with its limits, a well-behaved nngts dialer on it, and the current attacker. */
interface Lane {
  limits: Limits;
  pull: Pull0;
  push: Push0;
  port: number;
  goodPipe: number;
  atk: Attacker | null;
}

async function openLane(limits: Limits): Promise<Lane> {
  const pull = new Pull0();
  pull.setOption("recv-size-max", limits.recvMax);
  pull.setOption("ws:rxframe-max", limits.rxFrameMax);
  pull.setOption("recv-buffer", 1024);
  const l = await pull.listen("ws://127.0.0.1:0/fuzz");
  const url = l.getOption("url") as string;
  const push = new Push0();
  await push.dial(url);
  await push.send("hello", { timeout: 5_000 });
  const m = await pull.recv({ timeout: 5_000 });
  return { limits, pull, push, port: Number(/:(\d+)\//.exec(url)![1]), goodPipe: m.pipe, atk: null };
}

async function drain(sock: Pull0): Promise<Message[]> {
  const out: Message[] = [];
  for (;;) {
    try {
      out.push(await sock.recv({ nonblock: true }));
    } catch (e) {
      check(e instanceof NngError && e.code === "EAGAIN", `recv fails only with EAGAIN, got ${String(e)}`);
      return out;
    }
  }
}

function rejected(sock: Pull0): number {
  const c = sock.stats().counters;
  return (c["rx-malformed"] ?? 0) + (c["rx-oversize"] ?? 0);
}

const SENTINEL = Buffer.from("nngts-fuzz-sentinel-");

function sameMessages(got: Uint8Array[], want: Uint8Array[], prefixOnly: boolean, what: string): void {
  if (prefixOnly) check(got.length <= want.length, `${what}: delivered ${got.length} messages, only ${want.length} were sent whole`);
  else check(got.length === want.length, `${what}: delivered ${got.length} messages, expected ${want.length}`);
  got.forEach((m, i) => check(Buffer.from(m).equals(want[i]!), `${what}: message ${i} is what was sent`));
}

function wsListenerTarget(): FuzzTarget {
  return {
    name: "ws listener: byte streams after the upgrade",
    property: () => {
      let lanes: Lane[] | null = null;
      let runs = 0;
      const prop = fc.asyncProperty(
        wsStream,
        fc.nat(1),
        fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
        fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }),
        async (bytes, laneNo, fresh, early, cuts) => {
          runs++;
          // lane 0: small limits (1009 paths); lane 1: no limits at all (declared lengths must not allocate)
          lanes ??= [await openLane({ recvMax: 4096, rxFrameMax: 2048 }), await openLane({ recvMax: 0, rxFrameMax: 0 })];
          const lane = lanes[laneNo]!;
          const pull = lane.pull;
          const stale = await drain(pull);
          check(stale.length === 0, `nothing arrives between inputs (got ${stale.length})`);
          if (lane.atk && (fresh || lane.atk.ended)) {
            lane.atk.sock.destroy();
            lane.atk = null;
          }
          const rejectedBefore = rejected(pull);
          let sent = bytes;
          if (!lane.atk) {
            const n = Math.floor(early * bytes.length);
            lane.atk = await openAttacker(lane.port, bytes.subarray(0, n));
            sent = bytes.subarray(n);
          }
          const atk = lane.atk;
          for (const c of chunked(sent, cuts)) if (c.length) atk.sock.write(c);
          const reading = readStream(bytes, lane.limits);
          const got: Message[] = [];
          if (reading.end === "clean") {
            const sentinel = concat([SENTINEL, Buffer.from(String(runs))]);
            atk.sock.write(encodeFrame({ fin: true, rsv: 0, op: 2, masked: true, payload: sentinel, lenForm: "min", lie: 0n, key: randomBytes(4) }));
            for (;;) {
              const m = await within(pull.recv(), 3_000, "a clean stream's sentinel is delivered");
              if (Buffer.from(m.body).equals(sentinel)) break;
              got.push(m);
            }
            check(!atk.ended, "a clean stream keeps its connection");
          } else {
            if (reading.end === "incomplete") atk.sock.end();
            await within(atk.done, 3_000, `the server ends a stream that is ${reading.end}`);
            atk.sock.destroy();
            lane.atk = null;
            await turn();
            got.push(...(await drain(pull)));
            // its pipe goes (a peer's close code 1002/1003/1009 is counted too, so wait for it here)
            const deadline = Date.now() + 3_000;
            while (pull.pipes.length > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
            check(pull.pipes.length === 1, `the attacker's pipe is removed (${pull.pipes.length} pipes)`);
          }
          const pipes = new Set(got.map((m) => m.pipe));
          check(!pipes.has(lane.goodPipe) && pipes.size <= 1, "messages come from the attacker's one pipe");
          sameMessages(
            got.map((m) => m.body),
            reading.messages,
            reading.end !== "clean",
            reading.end,
          );
          if (reading.end === "error") {
            const deadline = Date.now() + 2_000;
            while (rejected(pull) === rejectedBefore && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
            check(rejected(pull) === rejectedBefore + 1, "a malformed stream is counted once (rx-malformed / rx-oversize)");
          }
          // the good connection on the same listener keeps working
          const marker = `good ${runs}`;
          await within(lane.push.send(marker), 3_000, "the good dialer can send");
          const m = await within(pull.recv(), 3_000, "the good dialer's message arrives");
          check(m.pipe === lane.goodPipe && m.text() === marker, "the next message is the good dialer's");
          check(process.memoryUsage().arrayBuffers < 256 * 2 ** 20, "no allocation driven by a declared length");
        },
      );
      return {
        prop: prop as unknown as Prop,
        teardown: async () => {
          for (const lane of lanes ?? []) {
            lane.atk?.sock.destroy();
            await lane.push.close();
            await lane.pull.close();
          }
          lanes = null;
        },
      };
    },
  };
}

export const WS_FRAME_TARGETS: FuzzTarget[] = [frameGuard, wsListenerTarget()];
