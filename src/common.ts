// Everything that is the same in the Node and browser entries.
export { Aio, sleepAio, DURATION_DEFAULT, DURATION_INFINITE, DURATION_ZERO, type AioCallback, type AioCanceler } from "./core/aio.js";
export { NngError, ERRORS, type NngErrorCode } from "./core/errors.js";
export { Message, type Bytes } from "./core/message.js";
export { OPT, type OptionKind, type OptionSpec, type OptionValue, type OptionObject, type SockAddr } from "./core/options.js";
export { parseUrl, type NngUrl } from "./core/url.js";
export { Socket, type SocketOptions, type SocketStats, type PipeCallback } from "./socket/socket.js";
export { Dialer, Listener, type EndpointStats } from "./socket/endpoint.js";
export { Pipe, type PipeEvent, type PipeStats } from "./socket/pipe.js";
export { Context } from "./socket/context.js";
export type { OperationOptions } from "./socket/promise-ops.js";
export type { Protocol, ProtocolContext, ProtocolFactory, ProtocolHost, ProtocolInfo, ProtocolOption } from "./socket/protocol.js";
export { registerTransport } from "./transport/registry.js";
export type { Connection, ConnectionHandler, EndpointConfig, Transport, TransportDialer, TransportListener } from "./transport/transport.js";
export * from "./sockets.js";
export * from "./api/pubsub.js";
export * from "./api/survey.js";
export * from "./api/reqrep.js";
export { device, type DeviceHandle } from "./socket/device.js";
