export type { AttachmentLinkBody } from "./attachment-links.ts";
export {
  type ClientEvents,
  type ConnectionState,
  HallwayClient,
  type HallwayClientOptions,
  newClientId,
  type SendOptions,
  type WebSocketConstructor,
  type WebSocketLike,
} from "./client.ts";
export { HallwayClientError, isRetryable } from "./errors.ts";
export { MentionCounts } from "./mentions.ts";
export { RestClient } from "./rest.ts";
export { MemoryPositionStore, type PositionStore, WebStoragePositionStore } from "./storage.ts";
export type { UploadOptions, UploadProgress, UploadResultBody } from "./upload.ts";
