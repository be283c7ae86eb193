// Node modules that only tls+tcp, ws and wss need, loaded when one of them is first used: a program
// that imports nngts for tcp, ipc or inproc then pays neither their load time (~35 ms) nor their
// memory (~1.1 MiB of heap, ~11 MB of RSS). `require` because these calls must stay synchronous.
import type * as Crypto from "node:crypto";
import type * as Http from "node:http";
import type * as Https from "node:https";
import { createRequire } from "node:module";
import type * as Tls from "node:tls";
import type WebSocket from "ws";
import type { WebSocketServer } from "ws";

/** What `require("ws")` returns: the WebSocket class, carrying the server class too. */
type WsPackage = typeof WebSocket & { readonly WebSocketServer: typeof WebSocketServer };

const load = createRequire(import.meta.url);

let tls: typeof Tls | undefined;
let http: typeof Http | undefined;
let https: typeof Https | undefined;
let crypto: typeof Crypto | undefined;
let ws: WsPackage | undefined;

export const nodeTls = (): typeof Tls => (tls ??= load("node:tls") as typeof Tls);
export const nodeHttp = (): typeof Http => (http ??= load("node:http") as typeof Http);
export const nodeHttps = (): typeof Https => (https ??= load("node:https") as typeof Https);
export const nodeCrypto = (): typeof Crypto => (crypto ??= load("node:crypto") as typeof Crypto);
/** The `ws` package: its WebSocket class, with `WebSocketServer` on it. */
export const wsPackage = (): WsPackage => (ws ??= load("ws") as WsPackage);
