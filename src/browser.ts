// The browser entry: no Node built-ins. inproc, and ws/wss dialers over the global WebSocket.
import { registerTransport } from "./transport/registry.js";
import { inprocTransport } from "./transport/inproc.js";
import { browserWsTransport } from "./transport/ws-browser.js";

registerTransport(inprocTransport);
registerTransport(browserWsTransport);

export * from "./common.js";
