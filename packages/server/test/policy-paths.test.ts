import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { Api, expectStatus } from "./api.ts";
import { enrol, expectError, newClientId, type SignedIn, TRUSTED_SECRET } from "./fixtures.ts";
import { startTestServer, type TestServer } from "./harness.ts";

/**
 * The messaging policy through every path that exists: each rule is tried by someone it must
 * refuse and someone it must let through, over REST and over the WebSocket. The pure rules are
 * tested pair by pair in domain/policy; this checks the services really ask them.
 */
const PEOPLE = [
  { externalId: "T1", role: "teacher", displayName: "Teacher of 7A" },
  { externalId: "T2", role: "teacher", displayName: "Teacher of 8B" },
  { externalId: "S1", role: "student", displayName: "Student one (7A)" },
  { externalId: "S2", role: "student", displayName: "Student two (7A)" },
  { externalId: "S3", role: "student", displayName: "Student three (8B)" },
  { externalId: "P1", role: "parent", displayName: "Parent of S1" },
  { externalId: "P3", role: "parent", displayName: "Parent of S3" },
  { externalId: "G", role: "guidance", displayName: "Guidance" },
  { externalId: "R", role: "registrar", displayName: "Registrar" },
];

async function school(server: TestServer) {
  const admin = (await new Api(server.url).signInAdmin()).api;
  const people = await enrol(server.url, admin, PEOPLE);
  expectStatus(
    await admin.post("/api/v1/directory/sync", {
      sections: [
        { externalId: "7A", name: "Grade 7 A", teacherIds: ["T1"], studentIds: ["S1", "S2"] },
        { externalId: "8B", name: "Grade 8 B", teacherIds: ["T2"], studentIds: ["S3"] },
      ],
      guardians: [
        { parentId: "P1", studentIds: ["S1"] },
        { parentId: "P3", studentIds: ["S3"] },
      ],
    }),
    200,
  );
  return { admin, people };
}

function openDirect(from: SignedIn, to: SignedIn) {
  return from.api.post("/api/v1/conversations/direct", { userId: to.id });
}

describe("the messaging policy on every path (school defaults)", () => {
  let server: TestServer;
  let people: Record<string, SignedIn>;
  let admin: Api;
  beforeAll(async () => {
    server = await startTestServer({ HALLWAY_TRUSTED_JWT_SECRET: TRUSTED_SECRET });
    ({ people, admin } = await school(server));
  });
  afterAll(() => server.close());
  const p = (id: string) => people[id]!;

  it("parents reach their own children's teachers, the school's offices and their own child — nobody else's", async () => {
    expect((await openDirect(p("P1"), p("T1"))).status).toBe(201);
    expect((await openDirect(p("P1"), p("G"))).status).toBe(201);
    expect((await openDirect(p("P1"), p("R"))).status).toBe(201);
    expect((await openDirect(p("P1"), p("S1"))).status).toBe(201);
    expectError(await openDirect(p("P1"), p("T2")), 403, "FORBIDDEN");
    expectError(await openDirect(p("P1"), p("S3")), 403, "FORBIDDEN");
    expectError(await openDirect(p("P1"), p("S2")), 403, "FORBIDDEN");
    expectError(await openDirect(p("P1"), p("P3")), 403, "FORBIDDEN");
  });

  it("students message staff, and not other students directly", async () => {
    expect((await openDirect(p("S1"), p("T1"))).status).toBe(201);
    expect((await openDirect(p("S1"), p("G"))).status).toBe(201);
    expectError(await openDirect(p("S1"), p("S2")), 403, "FORBIDDEN");
    expectError(await openDirect(p("S3"), p("S1")), 403, "FORBIDDEN");
    // Nor by the other door: a student cannot make a group with a classmate.
    expectError(
      await p("S1").api.post("/api/v1/conversations", { name: "us", memberIds: [p("S2").id] }),
      403,
      "FORBIDDEN",
    );
  });

  it("staff message anyone and create groups; a group never puts a parent with other families' children", async () => {
    expect((await openDirect(p("T2"), p("S1"))).status).toBe(201);
    expect((await openDirect(p("G"), p("P3"))).status).toBe(201);
    const group = expectStatus(
      await p("T1").api.post("/api/v1/conversations", {
        name: "7A helpers",
        memberIds: [p("S1").id, p("S2").id],
      }),
      201,
    );
    expectError(
      await p("T1").api.post("/api/v1/conversations", { name: "mixed", memberIds: [p("S1").id, p("P3").id] }),
      403,
      "FORBIDDEN",
    );
    // Adding members: the same rule through the other path.
    expectError(
      await p("T1").api.post(`/api/v1/conversations/${group.id}/members`, { userIds: [p("P3").id] }),
      403,
      "FORBIDDEN",
    );
    expect(
      (await p("T1").api.post(`/api/v1/conversations/${group.id}/members`, { userIds: [p("P1").id] })).status,
    ).toBe(403);
    expect(
      (await p("T1").api.post(`/api/v1/conversations/${group.id}/members`, { userIds: [p("S3").id] })).status,
    ).toBe(200);
  });

  it("only the school's voices post in the school-wide group, over REST and over the WebSocket", async () => {
    const list = expectStatus(await p("S1").api.get("/api/v1/conversations"), 200);
    const everyone = list.conversations.find((c: { kind: string }) => c.kind === "primary");
    const text = { clientId: newClientId(), text: "hello school" };
    expectError(
      await p("S1").api.post(`/api/v1/conversations/${everyone.id}/messages`, text),
      403,
      "FORBIDDEN",
    );
    expectError(
      await p("T1").api.post(`/api/v1/conversations/${everyone.id}/messages`, {
        ...text,
        clientId: newClientId(),
      }),
      403,
      "FORBIDDEN",
    );
    expect(
      (
        await admin.post(`/api/v1/conversations/${everyone.id}/messages`, {
          ...text,
          clientId: newClientId(),
        })
      ).status,
    ).toBe(201);

    const reply = await new Promise<any>((resolve, reject) => {
      const socket = new WebSocket(
        `${server.url.replace("http", "ws")}/ws?token=${p("S1").session.accessToken}`,
      );
      socket.on("message", (raw) => {
        const frame = JSON.parse(String(raw));
        if (frame.ev === "session.ready")
          socket.send(
            JSON.stringify({
              id: 1,
              cmd: "message.send",
              data: { conversationId: everyone.id, clientId: newClientId(), text: "hi all" },
            }),
          );
        if (frame.re === 1) {
          socket.close();
          resolve(frame);
        }
      });
      socket.on("error", reject);
    });
    expect(reply.ok).toBe(false);
    expect(reply.error.code).toBe("FORBIDDEN");
  });

  it("a parent may answer a teacher who wrote first, in the conversation the teacher opened", async () => {
    const conversation = expectStatus(await openDirect(p("T2"), p("P1")), 201);
    expect(
      (
        await p("P1").api.post(`/api/v1/conversations/${conversation.id}/messages`, {
          clientId: newClientId(),
          text: "Thank you!",
        })
      ).status,
    ).toBe(201);
  });
});

describe("a school's own policy file", () => {
  let server: TestServer;
  let people: Record<string, SignedIn>;
  beforeAll(async () => {
    const file = path.join(os.tmpdir(), `hallway-policy-${process.pid}.json`);
    writeFileSync(file, JSON.stringify({ direct: { studentToStudent: "same-section" } }));
    server = await startTestServer({ HALLWAY_TRUSTED_JWT_SECRET: TRUSTED_SECRET, HALLWAY_POLICY_FILE: file });
    ({ people } = await school(server));
  });
  afterAll(() => server.close());

  it("lets classmates message each other when the school enables it, and still not across sections", async () => {
    expect((await openDirect(people.S1!, people.S2!)).status).toBe(201);
    expectError(await openDirect(people.S1!, people.S3!), 403, "FORBIDDEN");
  });

  it("a policy file with a wrong setting stops the server from starting, naming the setting", async () => {
    const file = path.join(os.tmpdir(), `hallway-bad-policy-${process.pid}.json`);
    writeFileSync(file, JSON.stringify({ direct: { studentToStudent: "always" } }));
    await expect(startTestServer({ HALLWAY_POLICY_FILE: file })).rejects.toThrow(/studentToStudent/);
  });
});
