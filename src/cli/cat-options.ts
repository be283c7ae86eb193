// `nngts cat` arguments: nngcat's option table, checks and messages (tools/nngcat/nngcat.c, libnng 1.5.2).
import { readFileSync } from "node:fs";
import type { Format } from "./formats.js";
import { nextOption, type OptSpec } from "./opts-parse.js";

export type CatProto = "req0" | "rep0" | "pub0" | "sub0" | "push0" | "pull0" | "surveyor0" | "respondent0" | "pair0" | "pair1" | "bus0";

export interface CatAddress {
  mode: "dial" | "listen";
  url: string;
}

export interface CatConfig {
  proto: CatProto;
  addresses: CatAddress[];
  format: Format;
  topics: string[];
  verbose: boolean;
  /** 0: unlimited */
  count: number;
  /** all durations in ms; -1 infinite, as nngcat keeps them */
  delay: number;
  interval: number;
  sendTimeout: number;
  recvTimeout: number;
  /** -1: not set */
  recvMaxSize: number;
  compat: boolean;
  async: boolean;
  data: Uint8Array | null;
  tls: { insecure: boolean; caFile?: string; certFile?: string; keyFile?: string };
}

/** A usage error: nngcat prints the text on stderr and exits with 1. */
export class CatUsageError extends Error {}

/** `--help`: the usage on stdout, exit 1 (as nngcat). */
export class CatHelp extends Error {}

/** `--version`: the version on stdout, exit 0. */
export class CatVersion extends Error {}

type Opt =
  | "help" | "verbose" | "silent" | CatProto | "pair" | "dial" | "listen" | "data" | "file" | "subscribe"
  | "format" | "ascii" | "quoted" | "raw" | "hex" | "msgpack" | "compat" | "async" | "recv-maxsz" | "count"
  | "delay" | "interval" | "recv-timeout" | "send-timeout" | "socket-name" | "bind-ipc" | "connect-ipc"
  | "bind-local" | "connect-local" | "insecure" | "cacert" | "key" | "cert" | "zt-home" | "version";

const o = (name: string, value: Opt, short?: string, hasArg = false): OptSpec<Opt> => ({ name, value, short, hasArg });

// Order matters: a prefix matching several names is ambiguous, an exact name wins where it stands.
const SPECS: OptSpec<Opt>[] = [
  o("help", "help", "h"),
  o("verbose", "verbose", "v"),
  o("silent", "silent", "q"),
  o("req0", "req0"),
  o("rep0", "rep0"),
  o("push0", "push0"),
  o("pull0", "pull0"),
  o("pub0", "pub0"),
  o("sub", "sub0"),
  o("sub0", "sub0"),
  o("surveyor0", "surveyor0"),
  o("respondent0", "respondent0"),
  o("pair", "pair"),
  o("pair0", "pair0"),
  o("pair1", "pair1"),
  o("bus0", "bus0"),
  o("dial", "dial", undefined, true),
  o("listen", "listen", undefined, true),
  o("data", "data", "D", true),
  o("file", "file", "F", true),
  o("subscribe", "subscribe", undefined, true),
  o("format", "format", undefined, true),
  o("ascii", "ascii", "A"),
  o("quoted", "quoted", "Q"),
  o("raw", "raw"),
  o("hex", "hex"),
  o("compat", "compat"),
  o("async", "async"),
  o("msgpack", "msgpack"),
  o("recv-maxsz", "recv-maxsz", "Z", true),
  o("count", "count", "C", true),
  o("delay", "delay", "d", true),
  o("interval", "interval", "i", true),
  o("recv-timeout", "recv-timeout", undefined, true),
  o("send-timeout", "send-timeout", undefined, true),
  o("socket-name", "socket-name", undefined, true),
  o("bind", "listen", undefined, true),
  o("connect", "dial", undefined, true),
  o("bind-ipc", "bind-ipc", "X", true),
  o("connect-ipc", "connect-ipc", "x", true),
  o("bind-local", "bind-local", "L", true),
  o("connect-local", "connect-local", "l", true),
  o("insecure", "insecure", "k"),
  o("cacert", "cacert", undefined, true),
  o("key", "key", undefined, true),
  o("cert", "cert", "E", true),
  o("zt-home", "zt-home", undefined, true),
  o("version", "version", "V"),
];

const PROTOS: readonly string[] = ["req0", "rep0", "pub0", "sub0", "push0", "pull0", "surveyor0", "respondent0", "pair0", "pair1", "bus0"];
const FORMATS: Record<string, Format> = { no: "no", ascii: "ascii", hex: "hex", quoted: "quoted", raw: "raw", msgpack: "msgpack" };

function fail(msg: string): never {
  throw new CatUsageError(msg);
}

/** nngcat's intarg(): decimal digits only, C int arithmetic, checked against maxv after each digit. */
export function intArg(val: string, maxv: number): number {
  if (val === "") fail("Empty integer argument.");
  let v = 0;
  for (const ch of val) {
    if (ch < "0" || ch > "9") fail("Integer argument expected.");
    v = (Math.imul(v, 10) + (ch.charCodeAt(0) - 48)) | 0;
    if (v > maxv) fail("Integer argument too large.");
  }
  if (v < 0) fail("Integer argument overflow.");
  return v;
}

function loadFile(path: string): Uint8Array {
  try {
    return path === "-" ? readFileSync(0) : readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "";
    fail(`Cannot open file ${path}: ${STRERROR[code] ?? (e as Error).message}`);
  }
}

// strerror() texts for what opening a file can fail with.
const STRERROR: Record<string, string> = {
  ENOENT: "No such file or directory",
  EACCES: "Permission denied",
  EISDIR: "Is a directory",
  ENOTDIR: "Not a directory",
  ELOOP: "Too many levels of symbolic links",
  ENAMETOOLONG: "File name too long",
  EMFILE: "Too many open files",
};

/** Parses nngcat's arguments; throws CatUsageError / CatHelp / CatVersion. */
export function parseCatArgs(argv: readonly string[]): CatConfig {
  let proto: Opt | null = null;
  let formatSet = false;
  let data: Uint8Array | null = null;
  const c: CatConfig = {
    proto: "pair1",
    addresses: [],
    format: "none",
    topics: [],
    verbose: false,
    count: 0,
    delay: 0,
    interval: -1,
    sendTimeout: -1,
    recvTimeout: -1,
    recvMaxSize: -1,
    compat: false,
    async: false,
    data: null,
    tls: { insecure: false },
  };
  const files = { cacert: false, key: false, cert: false };
  const state = { index: 0 };
  for (;;) {
    const ev = nextOption(argv, SPECS, state);
    if (ev.kind === "end") break;
    if (ev.kind === "invalid") fail(`Option ${ev.word} is invalid.`);
    if (ev.kind === "ambiguous") fail(`Option ${ev.word} is ambiguous (specify in full).`);
    if (ev.kind === "noarg") fail(`Option ${ev.word} requires argument.`);
    const arg = ev.arg;
    switch (ev.value) {
      case "help":
        throw new CatHelp();
      case "version":
        throw new CatVersion();
      case "pair":
        // nngcat 1.5.2 ignores --pair (it is missing from its switch); we give it its documented meaning.
        if (proto !== null) fail("Only one protocol may be specified.");
        proto = "pair";
        break;
      case "dial":
      case "listen":
        c.addresses.push({ mode: ev.value, url: arg });
        break;
      case "connect-local":
      case "bind-local":
        c.addresses.push({ mode: ev.value === "bind-local" ? "listen" : "dial", url: `tcp://127.0.0.1:${intArg(arg, 65536)}` });
        break;
      case "connect-ipc":
      case "bind-ipc":
        c.addresses.push({ mode: ev.value === "bind-ipc" ? "listen" : "dial", url: `ipc:///${arg}` });
        break;
      case "count":
        c.count = intArg(arg, 0x7fffffff);
        break;
      case "subscribe":
        c.topics.push(arg);
        break;
      case "verbose":
      case "silent":
        c.verbose = ev.value === "verbose";
        break;
      case "delay":
        c.delay = intArg(arg, 86400) * 1000;
        break;
      case "interval":
        c.interval = intArg(arg, 86400) * 1000;
        break;
      case "send-timeout":
        c.sendTimeout = intArg(arg, 86400) * 1000;
        break;
      case "recv-timeout":
        c.recvTimeout = intArg(arg, 86400) * 1000;
        break;
      case "recv-maxsz":
        c.recvMaxSize = intArg(arg, 0x7fffffff) || 0x7fffffff;
        break;
      case "compat":
        c.compat = true;
        break;
      case "async":
        c.async = true;
        break;
      case "ascii":
      case "raw":
      case "quoted":
      case "msgpack":
      case "hex":
        if (formatSet) fail("Format may be specified only once.");
        formatSet = true;
        c.format = ev.value;
        break;
      case "format": {
        if (formatSet) fail("Format may be specified only once.");
        const f = FORMATS[arg];
        if (!f) fail("Invalid format specified.");
        formatSet = true;
        c.format = f;
        break;
      }
      case "file":
      case "data":
        if (data !== null) fail("Data (--file, --data) may be specified only once.");
        data = ev.value === "file" ? loadFile(arg) : new Uint8Array(Buffer.from(arg, "utf8"));
        break;
      case "cacert":
        if (files.cacert) fail("CA Certificate (--cacert) may be specified only once.");
        files.cacert = true;
        loadFile(arg);
        c.tls.caFile = arg;
        break;
      case "key":
        if (files.key) fail("Key (--key) may be specified only once.");
        files.key = true;
        loadFile(arg);
        c.tls.keyFile = arg;
        break;
      case "cert":
        if (files.cert) fail("Cert (--cert) may be specified only once.");
        files.cert = true;
        loadFile(arg);
        c.tls.certFile = arg;
        break;
      case "insecure":
        c.tls.insecure = true;
        break;
      case "zt-home":
      case "socket-name":
        break; // accepted and unused, as in nngcat (no ZeroTier transport here)
      default:
        if (proto !== null) fail("Only one protocol may be specified.");
        proto = ev.value;
    }
  }
  c.data = data;

  if (c.addresses.length === 0) fail("No address specified.");
  if (c.compat) {
    if (c.async) fail("Options --async and --compat are incompatible.");
    if (c.count !== 0) fail("Options --count and --compat are incompatible.");
    if (proto === "pair") proto = "pair0";
    if (proto === "pair1") fail("Protocol does not support --compat.");
    c.async = true;
  } else if (proto === "pair") {
    proto = "pair1";
  }
  if (proto === "sub0") {
    if (c.topics.length === 0) c.topics.push("");
  } else if (c.topics.length > 0) {
    fail("Protocol does not support --subscribe.");
  }
  switch (proto) {
    case "pull0":
    case "sub0":
      if (data !== null) fail("Protocol does not support --file or --data.");
      if (c.interval >= 0) fail("Protocol does not support --interval.");
      break;
    case "push0":
    case "pub0":
      if (formatSet) fail("Protocol does not support --format options.");
      if (data === null) fail("Protocol requires either --file or --data.");
      break;
    case "surveyor0":
    case "req0":
      if (data === null) fail("Protocol requires either --file or --data.");
      break;
    case "rep0":
    case "respondent0":
      if (c.interval >= 0) fail("Protocol does not support --interval.");
      break;
    case "pair0":
    case "pair1":
    case "bus0":
      if (c.interval >= 0 && data === null) fail("Option --interval requires either --file or --data.");
      break;
  }
  if (proto === null || !PROTOS.includes(proto)) fail("No protocol specified.");
  c.proto = proto as CatProto;
  return c;
}
