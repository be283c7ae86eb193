import type { Message } from "../core/message.js";
import type { ProtocolOption } from "../socket/protocol.js";

/** `ttl-max` as rep, respondent and pair1 have it. */
export const TTL_OPTION: ProtocolOption = { name: "ttl-max", kind: "int", min: 1, max: 15, default: 8 };

export type BacktraceResult = "ok" | "ttl" | "malformed";

/**
 * Moves a backtrace from the front of the body into the header, as rep0 and respondent0 do on
 * receive: u32 words up to and including the first with bit 31 set (the request or survey id);
 * the words before it were pushed by devices on the way. More than `ttl` words: "ttl" (drop the
 * message quietly); the body ends first: "malformed" (close the pipe).
 */
export function takeBacktrace(msg: Message, ttl: number): BacktraceResult {
  // Find the end first, then move all the words at once (no copy into an empty header).
  const length = msg.length;
  for (let hops = 1; ; hops++) {
    if (hops > ttl) return "ttl";
    if (length < hops * 4) return "malformed";
    if (msg.peekU32((hops - 1) * 4) & 0x80000000) {
      msg.bodyToHeader(hops * 4);
      return "ok";
    }
  }
}
