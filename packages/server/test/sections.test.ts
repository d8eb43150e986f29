import type { ConversationSummary } from "@hallway/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectStatus } from "./api.ts";
import { enrol, expectError, queryDb, type SignedIn, TRUSTED_SECRET } from "./fixtures.ts";
import { startTestServer, type TestServer } from "./harness.ts";
import {
  connect,
  conversations,
  eventually,
  findConversation,
  history,
  memberIds,
  policyFile,
  send,
  sorted,
  sync,
} from "./school-fixtures.ts";

/**
 * Section groups follow the directory: one per section, its teachers and students, changed by
 * nothing but directory sync. Grade 7 A: Ms Rivera teaches Sam and Sia; Grade 7 B: Mr Bose
 * teaches Tom. Pat is Sam's parent.
 */

let server: TestServer;
let admin: Api;
let people: Record<string, SignedIn>;
const p = (id: string) => people[id]!;

const USERS = [
  { externalId: "T-rivera", role: "teacher", displayName: "Ms Rivera" },
  { externalId: "T-bose", role: "teacher", displayName: "Mr Bose" },
  { externalId: "S-sam", role: "student", displayName: "Sam" },
  { externalId: "S-sia", role: "student", displayName: "Sia" },
  { externalId: "S-tom", role: "student", displayName: "Tom" },
  { externalId: "S-new", role: "student", displayName: "Nia (new)" },
  { externalId: "P-pat", role: "parent", displayName: "Pat" },
];
const SEVEN_A = {
  externalId: "7A",
  name: "Grade 7 A",
  teacherIds: ["T-rivera"],
  studentIds: ["S-sam", "S-sia"],
};
const SEVEN_B = { externalId: "7B", name: "Grade 7 B", teacherIds: ["T-bose"], studentIds: ["S-tom"] };

beforeAll(async () => {
  server = await startTestServer({ HALLWAY_TRUSTED_JWT_SECRET: TRUSTED_SECRET });
  ({ api: admin } = await new Api(server.url).signInAdmin());
  people = await enrol(server.url, admin, USERS);
  await sync(admin, {
    sections: [SEVEN_A, SEVEN_B],
    guardians: [{ parentId: "P-pat", studentIds: ["S-sam"] }],
  });
});
afterAll(() => server.close());

async function sectionGroup(as: SignedIn, name: string): Promise<ConversationSummary> {
  const found = await findConversation(as.api, (c) => c.kind === "section" && c.name === name);
  if (!found) throw new Error(`${name} is not in the list of ${as.session.user.displayName}`);
  return found;
}

describe("a section's group", () => {
  it("is made by the sync: named as the section, with its teachers and students, and its section id", async () => {
    const group = await sectionGroup(p("T-rivera"), "Grade 7 A");
    expect(group).toMatchObject({
      kind: "section",
      name: "Grade 7 A",
      createdBy: null,
      memberCount: 3,
      section: { id: expect.any(String), groupFor: "students", frozen: false },
      audience: null,
      support: null,
    });
    expect(await memberIds(p("S-sam").api, group.id)).toEqual(
      sorted([p("T-rivera").id, p("S-sam").id, p("S-sia").id]),
    );
    // The section id is the one announcements name.
    const [row] = await queryDb(server.databaseUrl, "SELECT id FROM sections WHERE external_id = '7A'");
    expect(group.section!.id).toBe(row.id);
    // A new group starts without notices; its members chat in it.
    expect(await history(p("S-sia").api, group.id)).toEqual([]);
    expectStatus(await send(p("S-sam").api, group.id, "Is the test on Friday?"), 201);
    expectStatus(await send(p("T-rivera").api, group.id, "Yes, chapter 4."), 201);
    expect((await history(p("S-sia").api, group.id)).map((m) => m.text)).toEqual([
      "Is the test on Friday?",
      "Yes, chapter 4.",
    ]);
  });

  it("is one per section: syncing again makes no second group and no notice", async () => {
    const before = await sectionGroup(p("T-rivera"), "Grade 7 A");
    const result = await sync(admin, { sections: [SEVEN_A, SEVEN_B] });
    expect(result.enrolments).toEqual({ added: 0, removed: 0 });
    const sectionGroups = (await conversations(p("T-rivera").api)).filter((c) => c.kind === "section");
    expect(sectionGroups.map((c) => c.id)).toEqual([before.id]);
    expect((await sectionGroup(p("T-rivera"), "Grade 7 A")).lastSeq).toBe(before.lastSeq);
  });

  it("is closed to everyone else: another section's student, a parent, a teacher of another section", async () => {
    const group = await sectionGroup(p("T-rivera"), "Grade 7 A");
    for (const outsider of [p("S-tom"), p("P-pat"), p("T-bose")]) {
      const api = outsider.api;
      const base = `/api/v1/conversations/${group.id}`;
      expectError(await api.get(base), 404, "CONVERSATION_NOT_FOUND");
      expectError(await api.get(`${base}/messages`), 404, "CONVERSATION_NOT_FOUND");
      expectError(await api.get(`${base}/members`), 404, "CONVERSATION_NOT_FOUND");
      expectError(await send(api, group.id, "let me in"), 404, "CONVERSATION_NOT_FOUND");
      expectError(await api.post(`${base}/leave`), 404, "CONVERSATION_NOT_FOUND");
    }
    expect(await findConversation(p("S-tom").api, (c) => c.id === group.id)).toBeUndefined();
    // Members are the directory's to manage, not a teacher's.
    expectError(
      await p("T-rivera").api.post(`/api/v1/conversations/${group.id}/members`, { userIds: [p("S-tom").id] }),
      409,
      "CONVERSATION_KIND_MISMATCH",
    );
    expectError(
      await p("S-sam").api.post(`/api/v1/conversations/${group.id}/leave`),
      409,
      "CONVERSATION_KIND_MISMATCH",
    );
  });
});

describe("following enrolment changes", () => {
  it("students who join and leave the section join and leave its group, told live and in the log", async () => {
    const group = await sectionGroup(p("T-rivera"), "Grade 7 A");
    const nia = await connect(server.url, p("S-new").session);
    const sia = await connect(server.url, p("S-sia").session);
    const sam = await connect(server.url, p("S-sam").session);
    try {
      // Sia moves to 7 B; Nia arrives in 7 A.
      const result = await sync(admin, {
        sections: [
          { ...SEVEN_A, studentIds: ["S-sam", "S-new"] },
          { ...SEVEN_B, studentIds: ["S-tom", "S-sia"] },
        ],
      });
      expect(result.enrolments).toEqual({ added: 2, removed: 1 });
      expect(await memberIds(p("T-rivera").api, group.id)).toEqual(
        sorted([p("T-rivera").id, p("S-sam").id, p("S-new").id]),
      );
      const notices = (await history(p("S-sam").api, group.id)).filter((m) => m.kind === "system");
      expect(notices.map((m) => m.system)).toEqual(
        expect.arrayContaining([
          { action: "member.added", actorId: null, userIds: [p("S-new").id] },
          { action: "member.removed", actorId: null, userIds: [p("S-sia").id] },
        ]),
      );
      // Sockets follow: Nia's client is told she joined, Sia's that she left, Sam sees the notices.
      await eventually(() => {
        expect(nia.events).toContainEqual({ ev: "conversation.joined", data: { conversationId: group.id } });
        expect(sia.events).toContainEqual({ ev: "conversation.left", data: { conversationId: group.id } });
        expect(
          sam.events.filter((e) => e.ev === "message.created" && e.data.conversationId === group.id).length,
        ).toBe(2);
      });
      // Nia now reads and writes there; Sia does not (she is in 7 B's group instead).
      expectStatus(await send(p("S-new").api, group.id, "Hello 7 A!"), 201);
      expectError(await send(p("S-sia").api, group.id, "still here?"), 404, "CONVERSATION_NOT_FOUND");
      await sectionGroup(p("S-sia"), "Grade 7 B");
      // A new member's read position starts at the end: the old messages are not unread.
      expect((await sectionGroup(p("S-new"), "Grade 7 A")).unreadCount).toBe(0);
    } finally {
      for (const c of [nia, sia, sam]) c.client.disconnect();
    }
  });

  it("a deactivated student leaves the group; reactivated, comes back", async () => {
    const group = await sectionGroup(p("T-rivera"), "Grade 7 A");
    await sync(admin, {
      users: [{ externalId: "S-new", role: "student", displayName: "Nia", active: false }],
    });
    expect(await memberIds(p("T-rivera").api, group.id)).not.toContain(p("S-new").id);
    await sync(admin, {
      users: [{ externalId: "S-new", role: "student", displayName: "Nia", active: true }],
    });
    expect(await memberIds(p("T-rivera").api, group.id)).toContain(p("S-new").id);
  });

  it("a teacher who takes over a section joins its group; the one who leaves it leaves", async () => {
    const group = await sectionGroup(p("T-bose"), "Grade 7 B");
    await sync(admin, {
      sections: [{ ...SEVEN_B, teacherIds: ["T-rivera"], studentIds: ["S-tom", "S-sia"] }],
    });
    const members = await memberIds(p("T-rivera").api, group.id);
    expect(members).toContain(p("T-rivera").id);
    expect(members).not.toContain(p("T-bose").id);
    expectError(
      await p("T-bose").api.get(`/api/v1/conversations/${group.id}`),
      404,
      "CONVERSATION_NOT_FOUND",
    );
    await sync(admin, { sections: [{ ...SEVEN_B, studentIds: ["S-tom", "S-sia"] }] });
    expect(await memberIds(p("T-bose").api, group.id)).toContain(p("T-bose").id);
  });

  it("a renamed section renames its group", async () => {
    await sync(admin, {
      sections: [{ ...SEVEN_B, name: "Grade 7 B (Room 12)", studentIds: ["S-tom", "S-sia"] }],
    });
    await sectionGroup(p("S-tom"), "Grade 7 B (Room 12)");
    await sync(admin, { sections: [{ ...SEVEN_B, studentIds: ["S-tom", "S-sia"] }] });
    await sectionGroup(p("S-tom"), "Grade 7 B");
  });

  it("a section made inactive freezes its group: history and members stay, nobody writes; active again, it thaws", async () => {
    const group = await sectionGroup(p("T-bose"), "Grade 7 B");
    const before = await memberIds(p("T-bose").api, group.id);
    expectStatus(await send(p("S-tom").api, group.id, "Last day of term!"), 201);
    await sync(admin, { sections: [{ ...SEVEN_B, studentIds: ["S-tom"], active: false }] });
    const frozen = await sectionGroup(p("T-bose"), "Grade 7 B");
    expect(frozen.section).toMatchObject({ frozen: true });
    // Frozen as it was: the change in the lists that came with it does not apply.
    expect(await memberIds(p("T-bose").api, group.id)).toEqual(before);
    expect((await history(p("S-sia").api, group.id)).map((m) => m.text)).toContain("Last day of term!");
    for (const writer of [p("S-tom"), p("T-bose")])
      expectError(await send(writer.api, group.id, "anyone?"), 403, "FORBIDDEN");
    await sync(admin, { sections: [{ ...SEVEN_B, studentIds: ["S-tom", "S-sia"], active: true }] });
    expect((await sectionGroup(p("T-bose"), "Grade 7 B")).section).toMatchObject({ frozen: false });
    expectStatus(await send(p("S-tom").api, group.id, "We are back"), 201);
  });

  it("a school without parents' groups gives its sections none, and parents see none", async () => {
    expect((await conversations(p("P-pat").api)).map((c) => c.kind)).toEqual(["primary"]);
  });
});

describe("parents' groups, when the school has them (sections.parentGroups)", () => {
  let school: TestServer;
  let staff: Api;
  let folk: Record<string, SignedIn>;
  const f = (id: string) => folk[id]!;

  beforeAll(async () => {
    school = await startTestServer({
      HALLWAY_TRUSTED_JWT_SECRET: TRUSTED_SECRET,
      HALLWAY_POLICY_FILE: policyFile("parent-groups", { sections: { parentGroups: true } }),
    });
    ({ api: staff } = await new Api(school.url).signInAdmin());
    folk = await enrol(school.url, staff, USERS);
    await sync(staff, {
      sections: [SEVEN_A],
      guardians: [{ parentId: "P-pat", studentIds: ["S-sam"] }],
    });
  });
  afterAll(() => school.close());

  it("the section gets a parents' group: its teachers and its students' parents, no students", async () => {
    const parents = await findConversation(f("P-pat").api, (c) => c.kind === "section");
    expect(parents).toMatchObject({
      name: "Grade 7 A (parents)",
      section: { groupFor: "parents", frozen: false },
    });
    expect(await memberIds(f("T-rivera").api, parents!.id)).toEqual(
      sorted([f("T-rivera").id, f("P-pat").id]),
    );
    expectStatus(await send(f("P-pat").api, parents!.id, "Who is bringing cake on Friday?"), 201);
    expectStatus(await send(f("T-rivera").api, parents!.id, "Thank you all!"), 201);
    expectError(
      await f("S-sam").api.get(`/api/v1/conversations/${parents!.id}`),
      404,
      "CONVERSATION_NOT_FOUND",
    );
    // The students' group is still the students'.
    const students = await findConversation(f("S-sam").api, (c) => c.name === "Grade 7 A");
    expect(students?.section?.groupFor).toBe("students");
    expect(await memberIds(f("S-sam").api, students!.id)).not.toContain(f("P-pat").id);
  });

  it("parents join and leave with their children's enrolment and their guardian links", async () => {
    const parents = (await findConversation(f("T-rivera").api, (c) => c.name === "Grade 7 A (parents)"))!;
    // Pat's only child becomes Tom, who is in no section here: Pat leaves; Sia's parent: back in.
    await sync(staff, { guardians: [{ parentId: "P-pat", studentIds: ["S-tom"] }] });
    expect(await memberIds(f("T-rivera").api, parents.id)).toEqual([f("T-rivera").id]);
    await sync(staff, { guardians: [{ parentId: "P-pat", studentIds: ["S-sia"] }] });
    expect(await memberIds(f("T-rivera").api, parents.id)).toEqual(sorted([f("T-rivera").id, f("P-pat").id]));
    // Sia leaves the section: her parent leaves its parents' group.
    await sync(staff, { sections: [{ ...SEVEN_A, studentIds: ["S-sam"] }] });
    expect(await memberIds(f("T-rivera").api, parents.id)).toEqual([f("T-rivera").id]);
  });
});
