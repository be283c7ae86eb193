// The Node entry: every transport.
import { registerTransport } from "./transport/registry.js";
import { inprocTransport } from "./transport/inproc.js";
import { ipcTransport } from "./transport/ipc.js";
import { socketTransport } from "./transport/socket.js";
import { tcpTransport } from "./transport/tcp.js";
import { wssTransport, wsTransport } from "./transport/ws.js";
import { tlsTransport } from "./transport/tls.js";

registerTransport(inprocTransport);
registerTransport(tcpTransport);
registerTransport(ipcTransport);
registerTransport(wsTransport);
registerTransport(wssTransport);
registerTransport(tlsTransport);
registerTransport(socketTransport);

export * from "./common.js";
export { shareHttpServer } from "./transport/ws.js";
export { TLS_AUTH_MODE } from "./transport/tls.js";
export { adoptStream } from "./transport/socket.js";
