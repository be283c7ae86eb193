import type { OptionValue } from "../core/options.js";
import type { ProtocolOption } from "./protocol.js";

/** Options every socket has, with NNG 1.x defaults. `ro` ones are computed by the socket. */
export const SOCKET_OPTIONS: readonly ProtocolOption[] = [
  { name: "recv-timeout", kind: "ms", default: -1 },
  { name: "send-timeout", kind: "ms", default: -1 },
  { name: "recv-size-max", kind: "size", default: 0 },
  { name: "reconnect-time-min", kind: "ms", min: 0, default: 1000 },
  { name: "reconnect-time-max", kind: "ms", min: 0, default: 0 },
  { name: "socket-name", kind: "string" },
  // nngts: how long a stream peer may take to send its SP header (NNG fixes it at 10 s).
  { name: "negotiation-timeout", kind: "ms", min: 1, default: 10_000 },
  { name: "raw", kind: "bool", readOnly: true },
  { name: "protocol", kind: "int", readOnly: true },
  { name: "protocol-name", kind: "string", readOnly: true },
  { name: "peer", kind: "int", readOnly: true },
  { name: "peer-name", kind: "string", readOnly: true },
];

/** Options of dialers and listeners besides their transport's own. */
export const ENDPOINT_OPTIONS: readonly ProtocolOption[] = [
  { name: "recv-size-max", kind: "size" },
  { name: "reconnect-time-min", kind: "ms", min: 0 },
  { name: "reconnect-time-max", kind: "ms", min: 0 },
  { name: "negotiation-timeout", kind: "ms", min: 1 },
  { name: "url", kind: "string", readOnly: true },
  { name: "local-address", kind: "addr", readOnly: true },
];

/**
 * Transport options a socket stores so that its endpoints inherit them, with their defaults.
 * The TLS options (tls-authmode, tls-ca-file...) have none here: NNG's tls-authmode default
 * differs between dialers (required) and listeners (none), so the transport applies it.
 */
export const TRANSPORT_DEFAULTS: Readonly<Record<string, OptionValue>> = {
  "tcp-nodelay": true,
  "tcp-keepalive": false,
};

export const SOCKET_NAME_MAX = 63;
