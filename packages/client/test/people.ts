import { HallwayClient } from "@hallway/client";
import WebSocket from "ws";
import { type Api, expectStatus } from "../../server/test/api.ts";
import type { TestServer } from "../../server/test/harness.ts";

/**
 * A new local account (the admin creates it) signed in through a client of its own, which
 * reconnects fast (tests drop connections on purpose).
 */
export async function signedInClient(
  server: TestServer,
  admin: Api,
  username: string,
  role = "teacher",
): Promise<HallwayClient> {
  expectStatus(
    await admin.post("/api/v1/users", { username, password: "password123", displayName: username, role }),
    201,
  );
  const client = new HallwayClient({
    baseUrl: server.url,
    WebSocket: WebSocket as never,
    backoff: { initialMs: 20, maxMs: 200 },
  });
  await client.signIn(username, "password123");
  return client;
}
