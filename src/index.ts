// The Node entry: every transport.
import { registerTransport } from "./transport/registry.js";
import { inprocTransport } from "./transport/inproc.js";
import { ipcTransport } from "./transport/ipc.js";
import { tcpTransport } from "./transport/tcp.js";

registerTransport(inprocTransport);
registerTransport(tcpTransport);
registerTransport(ipcTransport);

export * from "./common.js";
