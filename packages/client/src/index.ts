export {
  type ClientEvents,
  type ConnectionState,
  HallwayClient,
  type HallwayClientOptions,
  newClientId,
  type WebSocketConstructor,
  type WebSocketLike,
} from "./client.ts";
export { HallwayClientError, isRetryable } from "./errors.ts";
export { RestClient } from "./rest.ts";
export { MemoryPositionStore, type PositionStore, WebStoragePositionStore } from "./storage.ts";
