import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api } from "../../server/test/api.ts";
import { startTestServer, type TestServer } from "../../server/test/harness.ts";
import { signedInClient } from "./people.ts";

let server: TestServer;
let admin: Api;
beforeAll(async () => {
  server = await startTestServer();
  admin = (await new Api(server.url).signInAdmin()).api;
});
afterAll(() => server.close());

const user = (username: string) => signedInClient(server, admin, username);

describe("HallwayClient", () => {
  it("chats, queues sends while offline and resumes without loss or repeats", async () => {
    const alice = await user("alice");
    const bob = await user("bob");
    await Promise.all([alice.connect(), bob.connect()]);
    const { body: conversation } = await new Api(server.url, alice.session!.accessToken).post(
      "/api/v1/conversations/direct",
      { userId: bob.userId },
    );
    const seen: number[] = [];
    bob.on("message.created", (m) => {
      if (m.conversationId === conversation.id) seen.push(m.seq);
    });
    await alice.send(conversation.id, "hello");
    await expect.poll(() => seen).toEqual([1]);
    expect(bob.unread.get(conversation.id)).toBe(1);

    // Alice loses her connection; her sends wait in the outbox and land once she is back.
    alice.disconnect();
    const offline = [alice.send(conversation.id, "one"), alice.send(conversation.id, "two")];
    expect(alice.outboxSize).toBe(2);
    await alice.connect();
    const landed = await Promise.all(offline);
    expect(landed.map((m) => m.text)).toEqual(["one", "two"]);
    await expect.poll(() => seen).toEqual([1, 2, 3]);
    await bob.markRead(conversation.id);
    expect(bob.unread.get(conversation.id)).toBe(0);
    alice.disconnect();
    bob.disconnect();
  });
});
