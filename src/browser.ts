// The browser entry: no Node built-ins. inproc now; WebSocket arrives with the ws transport.
import { registerTransport } from "./transport/registry.js";
import { inprocTransport } from "./transport/inproc.js";

registerTransport(inprocTransport);

export * from "./common.js";
