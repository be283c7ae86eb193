/**
 * Statistics as NNG presents them (nng_stats(3)): a tree of scopes (socket, dialer, listener,
 * pipe) holding named values, and a text dump like nng_stats_dump. Counting itself happens where
 * the events are (plain number fields); this module only shapes snapshots.
 */
import type { EndpointStats } from "./endpoint.js";
import type { PipeStats } from "./pipe.js";

/** A dialer's or listener's statistics at one moment. */
export interface EndpointStatsSnapshot extends EndpointStats {
  /** Which kind of endpoint. */
  kind: "dialer" | "listener";
  /** The endpoint's id. */
  id: number;
  /** The id of its socket. */
  socket: number;
  /** Its URL. */
  url: string;
  /** Pipes it currently has. */
  pipes: number;
}

/** A pipe's statistics at one moment. */
export interface PipeStatsSnapshot extends PipeStats {
  /** The pipe's id. */
  id: number;
  /** The id of its socket. */
  socket: number;
  /** The id of the dialer or listener that made it. */
  endpoint: number;
  /** True when a dialer made it, false for a listener. */
  dialer: boolean;
  /** The URL of the endpoint that made it (with the bound port). */
  url: string;
  /** The peer's protocol number. */
  peer: number;
}

/** NNG's stat types (NNG_STAT_SCOPE, LEVEL, COUNTER, STRING, BOOLEAN, ID). */
export type StatKind = "scope" | "level" | "counter" | "string" | "boolean" | "id";

/** One node of a statistics tree: a scope with children, or a value. */
export interface StatNode {
  /** NNG's name for it, e.g. "rx_msgs" or "socket". */
  name: string;
  /** Scope or the kind of value. */
  kind: StatKind;
  /** What it counts, for people. */
  desc: string;
  /** The value (absent on scopes). */
  value?: number | string | boolean;
  /** The unit of a counter or level. */
  unit?: "bytes" | "messages" | "millis" | "events";
  /** The nodes inside a scope. */
  children?: StatNode[];
}

/** A snapshot of a socket's statistics (NNG's nng_stats_get tree, flattened). */
export interface SocketStats {
  /** The socket's id (nng_socket_id), unique in the process. */
  id: number;
  /** The `socket-name` option. */
  name: string;
  /** The protocol's name, e.g. "req". */
  protocol: string;
  /** True for a raw socket. */
  raw: boolean;
  /** Pipes attached now. */
  pipes: number;
  /** Dialers open now. */
  dialers: number;
  /** Listeners open now. */
  listeners: number;
  /** Pipes refused: wrong peer protocol, add-pre handler, protocol limits. */
  reject: number;
  /** Messages handed to pipes (including the closed ones). */
  txMsgs: number;
  /** Bytes (header and body) handed to pipes. */
  txBytes: number;
  /** Messages received from pipes. */
  rxMsgs: number;
  /** Bytes received from pipes. */
  rxBytes: number;
  /**
   * Protocol and endpoint counters by name: drops (`rx-drop`, `tx-drop`, `ttl-drop`), pipes closed
   * for what the peer sent (`rx-oversize`, `rx-malformed`), `reject`, `dial-refused`, `dial-failed`,
   * `accept-failed`. A counter appears once it is non-zero.
   */
  counters: Record<string, number>;
  /** Each open dialer's counters. */
  dialerStats: EndpointStatsSnapshot[];
  /** Each open listener's counters. */
  listenerStats: EndpointStatsSnapshot[];
  /** Each open pipe's counters. */
  pipeStats: PipeStatsSnapshot[];
}

const COUNTER_DESCRIPTIONS: Record<string, string> = {
  reject: "rejected pipes",
  "reject-already": "pipes rejected: already connected",
  "rx-oversize": "pipes closed: frame over recv-size-max",
  "rx-malformed": "malformed messages or frames received",
  "rx-drop": "received messages dropped",
  "tx-drop": "messages dropped before sending",
  "ttl-drop": "messages dropped: too many hops",
  "dial-refused": "connection attempts refused",
  "dial-failed": "connection attempts failed otherwise",
  "accept-failed": "incoming connections that failed negotiation",
};

const id = (name: string, desc: string, value: number): StatNode => ({ name, kind: "id", desc, value });
const str = (name: string, desc: string, value: string): StatNode => ({ name, kind: "string", desc, value });
const level = (name: string, desc: string, value: number): StatNode => ({ name, kind: "level", desc, value });
const counter = (name: string, desc: string, value: number, unit?: StatNode["unit"]): StatNode =>
  unit ? { name, kind: "counter", desc, value, unit } : { name, kind: "counter", desc, value };

function endpointNode(e: EndpointStatsSnapshot): StatNode {
  const children: StatNode[] = [
    id("id", `${e.kind} identifier`, e.id),
    id("socket", "socket identifier", e.socket),
    str("url", `${e.kind} url`, e.url),
    level("pipes", "open pipes", e.pipes),
  ];
  if (e.kind === "dialer") {
    children.push(counter("connect", "connections established", e.connect), counter("refused", "connections refused", e.refused));
  } else children.push(counter("accept", "connections accepted", e.accept));
  children.push(
    counter("disconnect", "remote disconnects", e.disconnect),
    counter("canceled", "canceled attempts", e.canceled),
    counter("other", "other errors", e.other),
    counter("timeout", "timeout errors", e.timeout),
    counter("proto", "protocol errors", e.proto),
    counter("auth", "authentication errors", e.auth),
    counter("reject", "rejected pipes", e.reject),
  );
  return { name: e.kind, kind: "scope", desc: `${e.kind} statistics`, children };
}

function pipeNode(p: PipeStatsSnapshot): StatNode {
  return {
    name: "pipe",
    kind: "scope",
    desc: "pipe statistics",
    children: [
      id("id", "pipe identifier", p.id),
      id("socket", "socket identifier", p.socket),
      id(p.dialer ? "dialer" : "listener", p.dialer ? "dialer identifier" : "listener identifier", p.endpoint),
      str("url", "pipe url", p.url),
      id("peer", "peer protocol", p.peer),
      counter("rx_msgs", "messages received", p.rxMsgs, "messages"),
      counter("tx_msgs", "messages sent", p.txMsgs, "messages"),
      counter("rx_bytes", "bytes received", p.rxBytes, "bytes"),
      counter("tx_bytes", "bytes sent", p.txBytes, "bytes"),
    ],
  };
}

/** The tree of one socket: its own values and protocol counters, then its dialers, listeners and pipes. */
export function socketStatsTree(s: SocketStats): StatNode {
  const children: StatNode[] = [
    id("id", "socket identifier", s.id),
    str("name", "socket name", s.name),
    str("protocol", "socket protocol", s.protocol),
    { name: "raw", kind: "boolean", desc: "raw mode", value: s.raw },
    level("dialers", "open dialers", s.dialers),
    level("listeners", "open listeners", s.listeners),
    level("pipes", "open pipes", s.pipes),
    counter("reject", "rejected pipes", s.reject),
    counter("tx_msgs", "sent messages", s.txMsgs, "messages"),
    counter("rx_msgs", "received messages", s.rxMsgs, "messages"),
    counter("tx_bytes", "sent bytes", s.txBytes, "bytes"),
    counter("rx_bytes", "received bytes", s.rxBytes, "bytes"),
  ];
  for (const name of Object.keys(s.counters).sort()) {
    if (name === "reject") continue;
    children.push(counter(name.replace(/-/g, "_"), COUNTER_DESCRIPTIONS[name] ?? name, s.counters[name]!));
  }
  for (const d of s.dialerStats) children.push(endpointNode(d));
  for (const l of s.listenerStats) children.push(endpointNode(l));
  for (const p of s.pipeStats) children.push(pipeNode(p));
  return { name: "socket", kind: "scope", desc: "socket statistics", children };
}

/** Finds the first node called `name` in a tree, depth first (nng_stat_find). */
export function findStat(node: StatNode, name: string): StatNode | undefined {
  if (node.name === name) return node;
  for (const c of node.children ?? []) {
    const f = findStat(c, name);
    if (f) return f;
  }
  return undefined;
}

/** Renders a tree as indented text, one value per line, like nng_stats_dump. */
export function dumpStats(node: StatNode, indent = 0): string {
  const pad = "    ".repeat(indent);
  if (node.kind === "scope") {
    const head = node.name === "" ? "" : `${pad}${node.name}:\n`;
    return head + (node.children ?? []).map((c) => dumpStats(c, node.name === "" ? indent : indent + 1)).join("");
  }
  let v: string;
  switch (node.kind) {
    case "string":
      v = `"${String(node.value)}"`;
      break;
    case "boolean":
      v = node.value ? "true" : "false";
      break;
    default:
      v = String(node.value);
      if (node.unit === "bytes") v += " bytes";
      else if (node.unit === "messages") v += " msgs";
  }
  return `${pad}${node.name.padEnd(16)} ${v}\n`;
}
