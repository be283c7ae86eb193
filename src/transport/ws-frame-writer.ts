// Encodes outgoing WebSocket data frames (RFC 6455 section 5.2) for the Node connection, which
// writes them to its socket itself: the `ws` package masks client frames a byte at a time (without
// its optional native addon), which bounded large-message throughput; this masks a word at a time.

const SMALL = 4096;
const POOL_SIZE = 8192;
const pool = new Uint8Array(POOL_SIZE);
let poolAt = POOL_SIZE;
const keyBytes = new Uint8Array(4);
const keyWord = new Uint32Array(keyBytes.buffer);

export const OP_CONTINUATION = 0x0;
export const OP_BINARY = 0x2;

/** Four unpredictable bytes for a client frame's masking key (RFC 6455 section 5.3). */
function nextKey(): void {
  if (poolAt === POOL_SIZE) {
    crypto.getRandomValues(pool);
    poolAt = 0;
  }
  keyBytes.set(pool.subarray(poolAt, poolAt + 4));
  poolAt += 4;
}

function headerLength(len: number, masked: boolean): number {
  return 2 + (len < 126 ? 0 : len < 65536 ? 2 : 8) + (masked ? 4 : 0);
}

function writeHeader(out: Uint8Array, op: number, fin: boolean, len: number, masked: boolean): number {
  out[0] = (fin ? 0x80 : 0) | op;
  const m = masked ? 0x80 : 0;
  let at: number;
  if (len < 126) {
    out[1] = m | len;
    at = 2;
  } else if (len < 65536) {
    out[1] = m | 126;
    out[2] = len >>> 8;
    out[3] = len & 0xff;
    at = 4;
  } else {
    const hi = Math.floor(len / 2 ** 32);
    out[1] = m | 127;
    out[2] = hi >>> 24;
    out[3] = (hi >>> 16) & 0xff;
    out[4] = (hi >>> 8) & 0xff;
    out[5] = hi & 0xff;
    out[6] = len >>> 24;
    out[7] = (len >>> 16) & 0xff;
    out[8] = (len >>> 8) & 0xff;
    out[9] = len & 0xff;
    at = 10;
  }
  if (masked) {
    out.set(keyBytes, at);
    at += 4;
  }
  return at;
}

/**
 * The bytes of one data frame carrying `payload`, as one or two pieces: small frames are copied
 * into one buffer; a large server frame keeps the payload as is; a large client frame gets one
 * masked copy.
 */
export function encodeFrame(op: number, fin: boolean, payload: Uint8Array, masked: boolean): Uint8Array[] {
  const len = payload.length;
  if (masked) nextKey();
  const hlen = headerLength(len, masked);
  if (len <= SMALL) {
    const out = new Uint8Array(hlen + len);
    const at = writeHeader(out, op, fin, len, masked);
    out.set(payload, at);
    if (masked) for (let i = 0; i < len; i++) out[at + i]! ^= keyBytes[i & 3]!;
    return [out];
  }
  const head = new Uint8Array(hlen);
  writeHeader(head, op, fin, len, masked);
  if (!masked) return [head, payload];
  const body = new Uint8Array(len);
  body.set(payload);
  const words = len >>> 2;
  const w = new Uint32Array(body.buffer, 0, words);
  const k = keyWord[0]!;
  for (let i = 0; i < words; i++) w[i]! ^= k;
  for (let i = words << 2; i < len; i++) body[i]! ^= keyBytes[i & 3]!;
  return [head, body];
}
