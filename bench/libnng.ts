// The libnng side: the C peer test/interop/peer.c in its NNG perf modes (--local-thr, --remote-thr, --local-lat, --remote-lat).
import { execFileSync } from "node:child_process";
import { haveLibnng, peerPath } from "../test/helpers/libnng.js";
import { startChild, type Child } from "./proc.js";
import type { Measurement, Proto, TlsFiles } from "./spec.js";

export { haveLibnng };

export type PeerRole = "thr-recv" | "thr-send" | "lat-server" | "lat-client";

const PEER_PROTO: Record<Proto, { listener: string; dialer: string }> = {
  push: { listener: "pull0", dialer: "push0" },
  pair1: { listener: "pair1", dialer: "pair1" },
  reqrep: { listener: "rep0", dialer: "req0" },
  pubsub: { listener: "pub0", dialer: "sub0" },
};

const PERF_MODE: Record<PeerRole, string> = {
  "thr-recv": "--local-thr",
  "thr-send": "--remote-thr",
  "lat-server": "--local-lat",
  "lat-client": "--remote-lat",
};

/** req/rep with contexts: a rep0 server (`--rr-server N`) or a req0 client (`--rr-client SIZE COUNT N`). */
export async function startPeerContexts(role: "server" | "client", url: string, size: number, count: number, contexts: number): Promise<Child> {
  const args =
    role === "server"
      ? ["rep0", "listen", url, "--rr-server", String(contexts)]
      : ["req0", "dial", url, "--rr-client", String(size), String(count), String(contexts)];
  return startChild(`libnng rr-${role}`, await peerPath(), args);
}

/**
 * Starts the peer; receivers and servers listen on `url`, senders and clients dial it. Latency roles
 * first make (client) or answer (server) `warmup` untimed round trips.
 */
export async function startPeerRole(role: PeerRole, proto: Proto, url: string, size: number, count: number, tls?: TlsFiles, warmup = 0): Promise<Child> {
  const listens = role === "thr-recv" || role === "lat-server";
  const p = PEER_PROTO[proto];
  const args = [listens ? p.listener : p.dialer, listens ? "listen" : "dial", url, PERF_MODE[role], String(size), String(count)];
  if (tls) args.push(...(listens ? ["--tls-cert-key-file", tls.certKeyFile] : ["--tls-ca-file", tls.caFile]));
  if (warmup > 0) args.push("--warmup", String(warmup));
  return startChild(`libnng ${role}`, await peerPath(), args);
}

function field(lines: string[], label: string): number {
  const l = lines.find((x) => x.startsWith(label));
  const v = l ? Number.parseFloat(l.slice(label.length)) : Number.NaN;
  if (!Number.isFinite(v)) throw new Error(`no "${label}" in the peer's output:\n${lines.join("\n")}`);
  return v;
}

/** The measurement printed by a peer in --local-thr (count messages) or --remote-lat (count round trips) mode. */
export function peerMeasurement(role: "thr-recv" | "lat-client" | "rr-client", lines: string[], count: number): Measurement {
  if (role === "thr-recv" || role === "rr-client") return { seconds: field(lines, "total time:"), count };
  // "average latency" keeps more digits than "total time" (printed to the millisecond).
  const us = field(lines, "average latency:");
  return { seconds: (us * 2 * count) / 1e6, count };
}

/** "1.5.2", from nngcat. */
export function libnngVersion(): string {
  try {
    return execFileSync("nngcat", ["--version"], { encoding: "utf8" }).trim();
  } catch {
    return "not installed";
  }
}
