// The Node entry: every transport.
import { registerTransport } from "./transport/registry.js";
import { inprocTransport } from "./transport/inproc.js";
import { ipcTransport } from "./transport/ipc.js";
import { tcpTransport } from "./transport/tcp.js";
import { wssTransport, wsTransport } from "./transport/ws.js";

registerTransport(inprocTransport);
registerTransport(tcpTransport);
registerTransport(ipcTransport);
registerTransport(wsTransport);
registerTransport(wssTransport);

export * from "./common.js";
export { shareHttpServer } from "./transport/ws.js";
