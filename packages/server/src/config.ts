import { z } from "zod";

/**
 * Every environment variable Hallway reads, with its default and meaning. This table is the
 * source of the README's configuration section (a test keeps the two in step).
 */
const seconds = (fallback: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(10 * 365 * 24 * 3600)
    .default(fallback);
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === "" ? undefined : v));

export const CONFIG_VARIABLES = {
  PORT: {
    schema: z.coerce.number().int().min(0).max(65535).default(3000),
    doc: "Port for the API, the WebSocket gateway and the web app.",
  },
  HOST: { schema: z.string().min(1).default("0.0.0.0"), doc: "Interface to listen on." },
  PUBLIC_URL: {
    schema: optionalText.pipe(z.url({ protocol: /^https?$/ }).optional()),
    doc: "The address people reach Hallway at (`https://chat.school.example`), for the links it hands out, such as invites. Unset: the address each request came in on.",
  },
  DATABASE_URL: {
    schema: optionalText.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
    doc: "PostgreSQL connection URL. When unset, Hallway runs an embedded PostgreSQL with its data in `DATA_DIR`.",
  },
  DATA_DIR: {
    schema: z.string().min(1).default("./data"),
    doc: "Folder for Hallway's own data: the embedded database, uploaded files (unless `FILES_DIR`) and the bootstrap admin password file.",
  },
  FILES_DIR: {
    schema: optionalText,
    doc: "Folder for uploaded files, stored by content (`<sha256 prefix>/<sha256>`). Unset: `DATA_DIR/files`. Every server process must see the same folder.",
  },
  UPLOAD_MAX_FILE_BYTES: {
    schema: z.coerce
      .number()
      .int()
      .min(1024)
      .max(2 * 1024 * 1024 * 1024)
      .default(25 * 1024 * 1024),
    doc: "Largest file one upload may carry, in bytes; larger ones are refused with FILE_TOO_LARGE.",
  },
  UPLOAD_DAILY_BYTES_PER_USER: {
    schema: z.coerce
      .number()
      .int()
      .min(1024)
      .max(1024 * 1024 * 1024 * 1024)
      .default(500 * 1024 * 1024),
    doc: "Bytes one user may upload in any 24 hours, sent or not (forwarded copies store nothing new and do not count); beyond it uploads are refused with UPLOAD_QUOTA_EXCEEDED.",
  },
  FILE_LINK_TTL_SECONDS: {
    schema: z.coerce.number().int().min(10).max(3_600).default(300),
    doc: "Lifetime of a signed download link to an attachment, in seconds; browsers may cache the file privately for as long.",
  },
  EMBEDDED_PG_PORT: {
    schema: z.coerce
      .number()
      .int()
      .min(1024)
      .max(65535)
      .refine((p) => p !== 5432, "5432 is left to a PostgreSQL server of your own; pick another port")
      .default(54329),
    doc: "Port of the embedded PostgreSQL (127.0.0.1 only). Never 5432.",
  },
  DATABASE_POOL_SIZE: {
    schema: z.coerce.number().int().min(2).max(200).default(10),
    doc: "Connections in the PostgreSQL pool.",
  },
  WRITER_CONNECTIONS: {
    schema: z.coerce.number().int().min(1).max(32).default(2),
    doc: "Connections of the batched message writer. It writes one batch at a time; only when every batch in flight has run for 100 ms (held up, most likely by a row lock) does another start on the next connection, with the sends of the other conversations. One means a conversation held up by a lock holds up every send.",
  },
  HALLWAY_ADMIN_USERNAME: {
    schema: z.string().min(2).max(64).default("admin"),
    doc: "Username of the bootstrap admin, created on first start.",
  },
  HALLWAY_ADMIN_PASSWORD: {
    schema: optionalText.pipe(z.string().min(8, "must be at least 8 characters").optional()),
    doc: "Password of the bootstrap admin on first start. When unset, one is generated and written to `DATA_DIR/admin-password.txt`.",
  },
  HALLWAY_SERVICE_TOKEN: {
    schema: optionalText.pipe(z.string().min(32, "must be at least 32 characters").optional()),
    doc: "A shared secret that lets the school system call the directory sync API (`Authorization: Bearer <token>`). Unset: only admins can sync.",
  },
  HALLWAY_TRUSTED_JWT_SECRET: {
    schema: optionalText.pipe(z.string().min(32, "must be at least 32 characters").optional()),
    doc: "HS256 secret shared with the school system, for sign-in with its JWTs.",
  },
  HALLWAY_TRUSTED_JWKS_URL: {
    schema: optionalText.pipe(z.url({ protocol: /^https?$/ }).optional()),
    doc: "JWKS URL of the school system, for sign-in with its RS256/ES256 JWTs.",
  },
  HALLWAY_TRUSTED_ISSUER: {
    schema: optionalText,
    doc: "Required `iss` of school-system JWTs (recommended).",
  },
  HALLWAY_TRUSTED_AUDIENCE: {
    schema: optionalText,
    doc: "Required `aud` of school-system JWTs (recommended).",
  },
  HALLWAY_TRUSTED_ROLE_CLAIM: {
    schema: z.string().min(1).default("role"),
    doc: "Claim that carries the Hallway role in school-system JWTs.",
  },
  HALLWAY_POLICY_FILE: {
    schema: optionalText,
    doc: "A JSON file with the school's messaging policy (overrides of the defaults in docs/policy.md). Unset: the defaults.",
  },
  ACCESS_TOKEN_TTL: { schema: seconds(3600), doc: "Lifetime of an access token, in seconds." },
  REFRESH_TOKEN_TTL: {
    schema: seconds(30 * 24 * 3600),
    doc: "Lifetime of a refresh token, in seconds; each refresh issues a new pair.",
  },
  WS_HEARTBEAT_MS: {
    schema: z.coerce.number().int().min(1_000).max(300_000).default(25_000),
    doc: "How often the server pings each WebSocket; a connection that misses a whole interval is closed (4002).",
  },
  WS_MAX_BUFFERED_BYTES: {
    schema: z.coerce
      .number()
      .int()
      .min(16_384)
      .max(256 * 1024 * 1024)
      .default(1024 * 1024),
    doc: "Bytes a WebSocket may have queued before it is closed as a slow consumer (4001); bounds memory per connection.",
  },
  WS_RATE_PER_SECOND: {
    schema: z.coerce.number().int().min(1).max(10_000).default(20),
    doc: "Frames per second a connection may send on average.",
  },
  WS_RATE_BURST: {
    schema: z.coerce.number().int().min(1).max(100_000).default(60),
    doc: "Frames a connection may send in a burst above the average.",
  },
  MESSAGE_RATE_LIMIT: {
    schema: z.coerce.number().int().min(1).max(100_000).default(30),
    doc: "Messages one user may send in any `MESSAGE_RATE_WINDOW_SECONDS`, over all their devices and REST together (per server process); more are refused with RATE_LIMITED and a retry-after.",
  },
  MESSAGE_RATE_WINDOW_SECONDS: {
    schema: z.coerce.number().int().min(1).max(3_600).default(10),
    doc: "The window of `MESSAGE_RATE_LIMIT`, in seconds.",
  },
  SEARCH_RATE_LIMIT: {
    schema: z.coerce.number().int().min(1).max(100_000).default(60),
    doc: "Message searches one user may run in any minute, over all their devices and REST together (per server process); more are refused with RATE_LIMITED and a retry-after. Search is the most expensive thing a user can ask for.",
  },
  PRESENCE_GRACE_MS: {
    schema: z.coerce.number().int().min(0).max(600_000).default(5_000),
    doc: "How long a user who lost their last connection still shows as before, so a quick reconnect does not flap.",
  },
  PRESENCE_IDLE_AFTER_MS: {
    schema: z.coerce.number().int().min(1_000).max(86_400_000).default(600_000),
    doc: "No activity for this long turns an online user idle.",
  },
  LOG_LEVEL: {
    schema: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    doc: "Level of the JSON logs on standard output.",
  },
  SHUTDOWN_TIMEOUT_MS: {
    schema: z.coerce.number().int().min(0).max(600_000).default(10_000),
    doc: "How long a graceful shutdown waits for work in flight.",
  },
  JOBS_ENABLED: {
    schema: optionalText.pipe(z.stringbool().optional()).transform((v) => v ?? true),
    doc: "Run the background job worker (invite clean-up, retention, removal of unsent uploads) in this process. Jobs are kept in PostgreSQL, so with several processes it is enough that one runs them; `false` leaves them queued for the others.",
  },
  JOBS_CONCURRENCY: {
    schema: z.coerce.number().int().min(1).max(32).default(2),
    doc: "Background jobs one process runs at the same time.",
  },
} as const;

type Variables = typeof CONFIG_VARIABLES;
export type Config = { [K in keyof Variables]: z.output<Variables[K]["schema"]> };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Reads and validates the configuration; throws a ConfigError that names every wrong variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const problems: string[] = [];
  const config: Record<string, unknown> = {};
  for (const [name, { schema }] of Object.entries(CONFIG_VARIABLES)) {
    const parsed = (schema as z.ZodType).safeParse(env[name]);
    if (parsed.success) config[name] = parsed.data;
    else
      problems.push(
        `${name}=${JSON.stringify(env[name])}: ${parsed.error.issues.map((i) => i.message).join("; ")}`,
      );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config as Config;
}
