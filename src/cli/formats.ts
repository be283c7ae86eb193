// nngcat's output formats, byte for byte (tools/nngcat/nngcat.c printmsg(), C locale).

export type Format = "none" | "no" | "ascii" | "quoted" | "hex" | "msgpack" | "raw";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** isprint() in the C locale. */
function printable(b: number): boolean {
  return b >= 0x20 && b <= 0x7e;
}

function hexEscape(b: number): string {
  return `\\x${b.toString(16).padStart(2, "0")}`;
}

function quoted(body: Uint8Array): string {
  let s = '"';
  for (const b of body) {
    if (b === 0x0a) s += "\\n";
    else if (b === 0x0d) s += "\\r";
    else if (b === 0x09) s += "\\t";
    else if (b === QUOTE || b === BACKSLASH) s += `\\${String.fromCharCode(b)}`;
    else if (printable(b)) s += String.fromCharCode(b);
    else s += hexEscape(b);
  }
  return `${s}"\n`;
}

function msgpackBin(body: Uint8Array): Uint8Array {
  const n = body.length;
  const head = n < 256 ? [0xc4, n] : n < 65536 ? [0xc5, n >>> 8, n & 0xff] : [0xc6, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  const out = new Uint8Array(head.length + n);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/** What nngcat writes to stdout for one received message body; "none" (the default) and "no" write nothing. */
export function formatMessage(format: Format, body: Uint8Array): Uint8Array {
  switch (format) {
    case "none":
    case "no":
      return new Uint8Array(0);
    case "raw":
      return body;
    case "ascii":
      return body.map((b) => (printable(b) ? b : 0x2e));
    case "quoted":
      return Buffer.from(quoted(body), "latin1");
    case "hex":
      return Buffer.from(`"${Array.from(body, hexEscape).join("")}"\n`, "latin1");
    case "msgpack":
      return msgpackBin(body);
  }
}
