import websocket from "@fastify/websocket";
import {
  CLOSE_CODES,
  COMMANDS,
  CommandFrame,
  type CommandName,
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
} from "@hallway/protocol";
import type { FastifyInstance } from "fastify";
import type { RawData, WebSocket } from "ws";
import { z } from "zod";
import { HallwayError } from "../errors.ts";
import { toHallwayError } from "../http/error-handler.ts";
import { authenticate } from "../services/auth/authenticate.ts";
import type { UserPrincipal } from "../services/context.ts";
import { HANDLERS, type Realtime } from "./commands.ts";
import { Connection } from "./connection.ts";
import type { LogReader } from "./conversation-stream.ts";
import { TokenBucket } from "./rate-limiter.ts";

export interface GatewayOptions {
  heartbeatMs: number;
  maxBufferedBytes: number;
  ratePerSecond: number;
  burst: number;
}

/** Malformed frames in a row after which the client is told to go away. */
const MAX_PROTOCOL_ERRORS = 20;
/**
 * Refused frames a connection may send beyond its rate, as a burst that refills at the rate;
 * past that it is flooding and is disconnected. A bucket, not a count in a row: a flood gets a
 * frame through whenever the rate refills one, which must not forgive it.
 */
const MAX_RATE_LIMITED = 200;

const ConnectQuery = z.object({
  token: z.string().max(512).optional(),
  v: z.string().max(8).optional(),
  client: z.string().max(64).optional(),
  platform: z.string().max(32).optional(),
});

/**
 * The WebSocket endpoint, `/ws`: authenticates at connect, then turns frames into commands
 * and commands into replies. A bad frame gets an error reply with a catalogue code; it never
 * reaches other connections or crashes the process.
 */
export async function registerGateway(
  app: FastifyInstance,
  rt: Realtime,
  readLog: LogReader,
  options: GatewayOptions,
) {
  await app.register(websocket, { options: { maxPayload: 1024 * 1024, perMessageDeflate: false } });

  const heartbeat = setInterval(() => {
    for (const set of rt.hub.connectionsByUser.values()) {
      for (const connection of set) {
        if (!connection.alive) {
          connection.close(CLOSE_CODES.HEARTBEAT_TIMEOUT, "no pong");
          continue;
        }
        connection.alive = false;
        connection.socket.ping();
      }
    }
  }, options.heartbeatMs);
  heartbeat.unref();
  app.addHook("onClose", async () => clearInterval(heartbeat));

  app.get("/ws", { websocket: true, schema: { hide: true } }, (socket: WebSocket, request) => {
    // Frames can arrive while we authenticate: hold them until the connection is ready.
    const early: RawData[] = [];
    let onFrame: (raw: RawData) => void = (raw) => early.push(raw);
    socket.on("message", (raw) => onFrame(raw));
    socket.on("error", () => socket.terminate());

    const query = ConnectQuery.safeParse(request.query);
    const params = query.success ? query.data : {};
    if (params.v !== undefined && params.v !== String(PROTOCOL_VERSION)) {
      socket.close(CLOSE_CODES.UNSUPPORTED_VERSION, `protocol version ${PROTOCOL_VERSION} only`);
      return;
    }
    const token = params.token ?? /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "")?.[1];

    authenticate(rt.ctx, token)
      .then(async (principal) => {
        if (principal.kind !== "user")
          throw new HallwayError("FORBIDDEN", "The service token cannot open a WebSocket.");
        if (socket.readyState !== socket.OPEN) return;
        const connection = new Connection(
          socket,
          principal as UserPrincipal,
          params.client ?? "unknown",
          params.platform ?? "unknown",
          { maxBufferedBytes: options.maxBufferedBytes },
          readLog,
          (error) => request.log.error({ err: error }, "event replay failed"),
        );
        const bucket = new TokenBucket(options.ratePerSecond, options.burst);
        let protocolErrors = 0;
        const refusals = new TokenBucket(options.ratePerSecond, MAX_RATE_LIMITED);

        socket.on("pong", () => {
          connection.alive = true;
        });
        socket.on("close", () => {
          connection.closed = true;
          rt.hub.remove(connection);
          rt.presence.disconnected(connection);
        });
        rt.hub.add(connection);
        await rt.presence.connected(connection);

        onFrame = (raw) => {
          if (!bucket.take()) {
            if (!refusals.take()) connection.close(CLOSE_CODES.RATE_LIMITED, "too many frames");
            // Answered with the command's id, so the client knows which one to retry.
            else
              connection.replyError(
                parseFrame(raw).id,
                new HallwayError("RATE_LIMITED", "Too many frames; slow down."),
              );
            return;
          }
          const frame = parseFrame(raw);
          if ("error" in frame) {
            if (++protocolErrors > MAX_PROTOCOL_ERRORS) {
              connection.close(CLOSE_CODES.PROTOCOL_VIOLATION, "too many malformed frames");
            } else connection.replyError(frame.id, frame.error);
            return;
          }
          protocolErrors = 0;
          rt.presence.touched(connection);
          void runCommand(rt, connection, frame, (error) =>
            request.log.error({ err: error }, "command failed"),
          );
        };
        connection.sendEvent("session.ready", {
          userId: connection.userId,
          connectionId: connection.id,
          protocolVersion: PROTOCOL_VERSION,
          heartbeatMs: options.heartbeatMs,
        });
        for (const raw of early.splice(0)) onFrame(raw);
      })
      .catch((error) => {
        const code =
          error instanceof HallwayError && error.code === "TOKEN_EXPIRED"
            ? CLOSE_CODES.TOKEN_EXPIRED
            : error instanceof HallwayError && error.code === "SESSION_REVOKED"
              ? CLOSE_CODES.SESSION_REVOKED
              : CLOSE_CODES.UNAUTHENTICATED;
        if (!(error instanceof HallwayError))
          request.log.error({ err: error }, "websocket authentication failed");
        socket.close(code, error instanceof HallwayError ? error.code : "INTERNAL");
      });
  });
}

type Frame = z.infer<typeof CommandFrame>;

/** A frame that is not a command, with the id to answer to when one could be read. */
type BadFrame = { error: HallwayError; id: string | number | null };

function parseFrame(raw: RawData): Frame | BadFrame {
  const size = Array.isArray(raw) ? raw.reduce((n, b) => n + b.length, 0) : (raw as Buffer).byteLength;
  if (size > MAX_FRAME_BYTES) {
    return {
      error: new HallwayError("PAYLOAD_TOO_LARGE", `Frames are limited to ${MAX_FRAME_BYTES} bytes.`),
      id: null,
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(Array.isArray(raw) ? Buffer.concat(raw).toString("utf8") : raw.toString());
  } catch {
    return { error: new HallwayError("MALFORMED_JSON", "The frame is not valid JSON."), id: null };
  }
  const frame = CommandFrame.safeParse(value);
  if (frame.success) return frame.data;
  const id = typeof value === "object" && value !== null ? (value as { id?: unknown }).id : undefined;
  const issues = frame.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  return {
    error: new HallwayError("MALFORMED_FRAME", 'A command frame is {"id", "cmd", "data"}.', { issues }),
    id: typeof id === "string" || typeof id === "number" ? id : null,
  };
}

async function runCommand(
  rt: Realtime,
  connection: Connection,
  frame: Frame,
  logError: (error: unknown) => void,
): Promise<void> {
  try {
    if (!Object.hasOwn(COMMANDS, frame.cmd))
      throw new HallwayError("UNKNOWN_COMMAND", `Unknown command "${frame.cmd}".`);
    const name = frame.cmd as CommandName;
    const parsed = COMMANDS[name].request.safeParse(frame.data ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({
        path: `data.${i.path.join(".")}`,
        message: i.message,
      }));
      throw new HallwayError(
        "VALIDATION_FAILED",
        `Invalid ${name}: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`,
        { issues },
      );
    }
    const handler = HANDLERS[name] as (rt: Realtime, c: Connection, d: unknown) => Promise<unknown>;
    connection.reply(frame.id, await handler(rt, connection, parsed.data));
  } catch (error) {
    const hallwayError = toHallwayError(error as Error);
    if (hallwayError.code === "INTERNAL") logError(error);
    connection.replyError(frame.id, hallwayError);
  }
}
