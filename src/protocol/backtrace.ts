import type { Message } from "../core/message.js";
import type { Pipe } from "../socket/pipe.js";
import type { ProtocolHost, ProtocolOption } from "../socket/protocol.js";

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

/**
 * {@link takeBacktrace} on a message just received from `pipe`: true when it may be delivered.
 * Otherwise counts `ttl-drop` (too many hops; the message is dropped) or `rx-malformed` (and
 * closes the pipe), and returns false.
 */
export function acceptBacktrace(host: ProtocolHost, pipe: Pipe, msg: Message, ttl: number): boolean {
  const verdict = takeBacktrace(msg, ttl);
  if (verdict === "ok") return true;
  if (verdict === "ttl") host.count("ttl-drop");
  else {
    host.count("rx-malformed");
    pipe.close();
  }
  return false;
}
