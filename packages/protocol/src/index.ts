export * from "./auth.ts";
export * from "./common.ts";
export * from "./conversations.ts";
export * from "./directory.ts";
export * from "./errors.ts";
export * from "./messages.ts";
export * from "./roles.ts";
export * from "./users.ts";
