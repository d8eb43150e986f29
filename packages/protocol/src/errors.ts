/**
 * The one error catalogue of Hallway. Every error the server sends, over HTTP or WebSocket,
 * carries one of these codes; a test fails when a code is used but not documented here.
 */
export interface ErrorDefinition {
  /** HTTP status used when the error travels over REST. */
  status: number;
  /** One sentence for the docs: when a client sees this code. */
  description: string;
}

export const ERROR_CATALOGUE = {
  VALIDATION_FAILED: {
    status: 400,
    description:
      "The request body, query or parameters do not match the schema; `details.issues` says where.",
  },
  MALFORMED_JSON: { status: 400, description: "The body is not valid JSON." },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    description: "The body's content type is not accepted by this endpoint (send `application/json`).",
  },
  PAYLOAD_TOO_LARGE: { status: 413, description: "The body is larger than the endpoint accepts." },
  UNAUTHENTICATED: { status: 401, description: "No bearer token was sent, or it is not a Hallway token." },
  TOKEN_EXPIRED: { status: 401, description: "The token's lifetime is over: refresh it or sign in again." },
  SESSION_REVOKED: { status: 401, description: "The session was signed out, or the user was deactivated." },
  INVALID_CREDENTIALS: {
    status: 401,
    description: "Wrong username or password (the two are not told apart).",
  },
  TRUSTED_TOKEN_INVALID: {
    status: 401,
    description:
      "The school system's token has a bad signature, a foreign issuer or audience, or missing claims.",
  },
  TRUSTED_TOKEN_EXPIRED: { status: 401, description: "The school system's token has expired." },
  TRUSTED_SIGNIN_DISABLED: {
    status: 404,
    description: "Sign-in with a school system token is not configured on this server.",
  },
  FORBIDDEN: { status: 403, description: "You are signed in but your role may not do this." },
  USER_INACTIVE: { status: 403, description: "The target user is deactivated." },
  ROUTE_NOT_FOUND: { status: 404, description: "No endpoint at this method and path." },
  USER_NOT_FOUND: { status: 404, description: "No such user (or not visible to you)." },
  CONVERSATION_NOT_FOUND: {
    status: 404,
    description: "No such conversation, or you are not a member of it (the two are not told apart).",
  },
  MESSAGE_NOT_FOUND: { status: 404, description: "No such message in this conversation." },
  MEMBER_NOT_FOUND: { status: 404, description: "The user is not a member of this conversation." },
  INVITE_NOT_FOUND: {
    status: 404,
    description:
      "No such invite: the code is unknown, or the invite expired and was cleaned up (for a group admin: the id names none of this group's invites).",
  },
  REPORT_NOT_FOUND: { status: 404, description: "No such report in the moderation queue." },
  WORD_FILTER_NOT_FOUND: { status: 404, description: "No such entry in the school's word filter." },
  USERNAME_TAKEN: { status: 409, description: "Another user already has this username." },
  EXTERNAL_ID_TAKEN: {
    status: 409,
    description: "Another user already has this external (school system) id.",
  },
  IDEMPOTENCY_CONFLICT: {
    status: 409,
    description: "This client id was already used for a different message.",
  },
  CONVERSATION_KIND_MISMATCH: {
    status: 409,
    description:
      "This operation does not apply to this kind of conversation (e.g. adding members to a direct conversation).",
  },
  LAST_ADMIN: {
    status: 409,
    description:
      "A group's last admin cannot be demoted; promote someone first (when the last admin leaves, the longest-standing member becomes admin).",
  },
  REPORT_ALREADY_RESOLVED: {
    status: 409,
    description: "Another moderator has already resolved or dismissed this report.",
  },
  MESSAGE_REJECTED: {
    status: 422,
    description:
      "The message was not sent: it contains words the school does not allow. Nothing was stored; rephrase it.",
  },
  INVITE_EXPIRED: {
    status: 410,
    description: "The invite's time is up; ask a group admin for a new one.",
  },
  INVITE_REVOKED: {
    status: 410,
    description: "A group admin revoked this invite; ask them for a new one.",
  },
  INVITE_USED_UP: {
    status: 410,
    description: "The invite has been used as many times as it allows; ask a group admin for a new one.",
  },
  TOO_MANY_REACTIONS: {
    status: 409,
    description:
      "You already have 20 different reactions on this message; take one back before adding another.",
  },
  ATTACHMENT_NOT_FOUND: {
    status: 404,
    description:
      "No such attachment in this conversation, or not yours to see: an upload not yet sent is its uploader's alone (to send within a day), and a deleted message's files are gone.",
  },
  ATTACHMENT_ALREADY_SENT: {
    status: 409,
    description:
      "The attachment is already part of a message (perhaps another send that named it at the same moment); `details.attachmentId` says which. Upload the file again to send it again.",
  },
  FILE_EMPTY: { status: 400, description: "The uploaded file has no bytes; nothing was kept." },
  FILE_TOO_LARGE: {
    status: 413,
    description:
      "The file is larger than the school allows for one file (`details.maxBytes`), or an image has more pixels than Hallway decodes (`details.maxPixels`); nothing was kept.",
  },
  FILE_TYPE_REFUSED: {
    status: 415,
    description:
      "The file's content is of a type the school does not accept (executables, scripts, archives, SVG, video, unknown binary data), or an image whose pixels cannot be read; `details.detected` says what it looked like. The name does not matter: the bytes do.",
  },
  FILE_TRUNCATED: {
    status: 400,
    description: "The upload ended early or is not a complete multipart file part; nothing was kept.",
  },
  UPLOAD_QUOTA_EXCEEDED: {
    status: 429,
    description:
      "You have uploaded as much as the school allows in 24 hours (`details.quotaBytes`, `details.usedBytes`); try again later or send smaller files.",
  },
  LINK_INVALID: {
    status: 403,
    description: "The download link is not one Hallway signed, or it has expired: ask for a new link.",
  },
  NOT_A_THREAD: {
    status: 400,
    description:
      "Replies go to a top-level message: this one is itself a reply, a notice about the conversation, or deleted.",
  },
  MESSAGE_NOT_EDITABLE: {
    status: 403,
    description:
      "Only the author may edit their message, and not once it is deleted; notices about the conversation are never edited.",
  },
  MENTION_EVERYONE_REFUSED: {
    status: 403,
    description:
      "Your role may not mention @everyone in this conversation; send it without @everyone or ask staff to.",
  },
  TOO_MANY_PINS: {
    status: 409,
    description: "The conversation already has 50 pinned messages; unpin one first (`details.maxPins`).",
  },
  SELF_CONVERSATION: { status: 400, description: "A direct conversation needs another user." },
  UNKNOWN_COMMAND: {
    status: 400,
    description: "The WebSocket command name is not one the protocol defines.",
  },
  MALFORMED_FRAME: {
    status: 400,
    description: "The WebSocket frame is JSON but not a command: it needs `id`, `cmd` and optional `data`.",
  },
  RATE_LIMITED: {
    status: 429,
    description:
      "Too many requests, or messages sent too fast (the per-user send limit, a conversation's slow mode); retry after the `retry-after` header (over WebSocket: `details.retryAfterSeconds`).",
  },
  SERVICE_UNAVAILABLE: {
    status: 503,
    description: "The server is starting or shutting down; retry shortly, elsewhere if possible.",
  },
  INTERNAL: {
    status: 500,
    description: "An unexpected server error; it is logged, and no internals are sent.",
  },
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

/** The shape of every error body, over HTTP and WebSocket alike. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}
