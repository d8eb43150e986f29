import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectStatus } from "./api.ts";
import { startTestServer, type TestServer } from "./harness.ts";

let server: TestServer;
let api: Api;
beforeAll(async () => {
  server = await startTestServer();
  api = new Api(server.url);
});
afterAll(() => server.close());

describe("smoke", () => {
  it("serves health and signs in the admin", async () => {
    expect((await api.get("/healthz")).status).toBe(200);
    expect((await api.get("/readyz")).status).toBe(200);
    const { api: admin } = await api.signInAdmin();
    const me = expectStatus(await admin.get("/api/v1/me"), 200);
    expect(me.role).toBe("admin");
    const list = expectStatus(await admin.get("/api/v1/conversations"), 200);
    expect(list.conversations.map((c: { kind: string }) => c.kind)).toEqual(["primary"]);
  });
});
