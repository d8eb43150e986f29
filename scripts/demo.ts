import { readFile } from "node:fs/promises";
import path from "node:path";
import { HallwayClient, HallwayClientError, RestClient } from "@hallway/client";
import type { ConversationSummary, DirectorySyncResult, Message, Session } from "@hallway/protocol";
import { png } from "../packages/web/test/files.ts";

/**
 * `npm run demo`: seeds a small demo school into a running Hallway (`npm start` in another
 * terminal): teachers, students and parents with known passwords, two classes, family links, a
 * group and some conversation history. Safe to run again: existing people, conversations and
 * messages are reused, not duplicated.
 *
 * HALLWAY_URL (default http://localhost:$PORT, PORT defaulting to 3000) says where the server is;
 * the admin password comes from HALLWAY_ADMIN_PASSWORD or DATA_DIR/admin-password.txt.
 */

const BASE_URL = (process.env.HALLWAY_URL ?? `http://localhost:${process.env.PORT ?? 3000}`).replace(
  /\/$/,
  "",
);
const ADMIN_USERNAME = process.env.HALLWAY_ADMIN_USERNAME ?? "admin";
/** Every demo account's password. */
export const DEMO_PASSWORD = "hallway-demo";

interface DemoPerson {
  username: string;
  displayName: string;
  role: string;
  externalId: string;
}

export const DEMO_PEOPLE: DemoPerson[] = [
  { username: "amal.haddad", displayName: "Amal Haddad", role: "teacher", externalId: "T-100" },
  { username: "ben.okafor", displayName: "Ben Okafor", role: "teacher", externalId: "T-101" },
  { username: "grace.lee", displayName: "Grace Lee", role: "principal", externalId: "ST-1" },
  { username: "chloe.martin", displayName: "Chloe Martin", role: "student", externalId: "S-1" },
  { username: "dev.patel", displayName: "Dev Patel", role: "student", externalId: "S-2" },
  { username: "ella.patel", displayName: "Ella Patel", role: "student", externalId: "S-3" },
  { username: "finn.walsh", displayName: "Finn Walsh", role: "student", externalId: "S-4" },
  { username: "claire.martin", displayName: "Claire Martin", role: "parent", externalId: "P-1" },
  { username: "raj.patel", displayName: "Raj Patel", role: "parent", externalId: "P-2" },
];

const DIRECTORY = {
  sections: [
    { externalId: "7A", name: "Class 7A", teacherIds: ["T-100"], studentIds: ["S-1", "S-2"] },
    { externalId: "7B", name: "Class 7B", teacherIds: ["T-101"], studentIds: ["S-3", "S-4"] },
  ],
  guardians: [
    { parentId: "P-1", studentIds: ["S-1"] },
    { parentId: "P-2", studentIds: ["S-2", "S-3"] },
  ],
};

/** Who says what, in order; `readBy` then reads the conversation to its end. */
interface Script {
  key: string;
  lines: [string, string][];
  readBy?: string[];
}

const DIRECT_CHATS: (Script & { between: [string, string] })[] = [
  {
    key: "amal-claire",
    between: ["amal.haddad", "claire.martin"],
    lines: [
      [
        "claire.martin",
        "Hi Ms Haddad, Chloe mentioned a science fair next month. Is there anything she needs?",
      ],
      ["amal.haddad", "Hello! Yes, on the 14th. Each pair presents a small experiment."],
      ["amal.haddad", "Chloe is working with Dev on plant growth under coloured light 🌱"],
      ["claire.martin", "Lovely. Can parents come and watch?"],
      ["amal.haddad", "Of course, from 2pm in the hall. I'll send details in the class group."],
      ["claire.martin", "Thank you! We'll be there."],
    ],
    readBy: ["amal.haddad", "claire.martin"],
  },
  {
    key: "ben-raj",
    between: ["ben.okafor", "raj.patel"],
    lines: [
      ["raj.patel", "Good evening Mr Okafor, Ella was unwell today and missed the maths test."],
      ["ben.okafor", "Thanks for letting me know. I hope she feels better soon."],
      ["ben.okafor", "She can sit the test on Thursday morning, no problem."],
    ],
  },
  {
    key: "amal-ben",
    between: ["amal.haddad", "ben.okafor"],
    lines: [
      ["ben.okafor", "Could you cover my Friday lunch duty? I'm taking 7B to the museum."],
      ["amal.haddad", "Sure, happy to."],
      ["ben.okafor", "You're a star, thank you!"],
    ],
  },
];

const GROUP: Script & { name: string; creator: string; members: string[] } = {
  key: "science-fair",
  name: "Science fair helpers",
  creator: "amal.haddad",
  members: ["ben.okafor", "claire.martin", "raj.patel"],
  lines: [
    ["amal.haddad", "Thank you all for offering to help on the 14th!"],
    ["raj.patel", "Happy to set up tables from 1pm."],
    ["claire.martin", "I can bring cake for the break 🍰"],
    ["ben.okafor", "I'll handle the projector and the microphones."],
  ],
  readBy: ["ben.okafor", "raj.patel"],
};

const WELCOME: Script & { author: string } = {
  key: "welcome",
  author: "grace.lee",
  lines: [["grace.lee", "Welcome to Hallway, our school's own chat! Be kind, and reach out any time."]],
};

const CLASS_MESSAGES: Script & { section: string; creator: string } = {
  key: "class-7a",
  section: "Class 7A",
  creator: "amal.haddad",
  lines: [
    ["amal.haddad", "Reminder: bring your lab notebooks tomorrow."],
    ["chloe.martin", "Will do, Ms Haddad!"],
    ["amal.haddad", "Science fair: 14th, 2pm in the hall. Families are welcome."],
  ],
};

/** In the class group: a thread under the science fair message, reactions, a photo, an edit. */
const CLASS_EXTRAS = {
  threadUnder: "Science fair: 14th",
  replies: [
    ["chloe.martin", "Can Dev and I bring our plant trays in the morning?"],
    ["amal.haddad", "@chloe.martin yes, leave them in the lab before registration 🌱"],
    ["dev.patel", "Thanks Ms Haddad!"],
  ] as [string, string][],
  reactions: [
    ["chloe.martin", "🎉"],
    ["dev.patel", "🎉"],
    ["dev.patel", "👍"],
  ] as [string, string][],
  photo: {
    author: "amal.haddad",
    name: "plants-week-1.png",
    text: "Our plants after one week under coloured light",
  },
  edit: {
    clientId: "demo-class-forms",
    was: "Trip forms are due on Friday.",
    now: "Trip forms are due on Thursday, not Friday.",
  },
};

class Demo {
  private readonly sessions = new Map<string, Session>();

  private rest(token?: string): RestClient {
    return new RestClient(BASE_URL, () => token);
  }

  async adminPassword(): Promise<string> {
    if (process.env.HALLWAY_ADMIN_PASSWORD) return process.env.HALLWAY_ADMIN_PASSWORD;
    const file = path.resolve(process.env.DATA_DIR ?? "./data", "admin-password.txt");
    try {
      return (await readFile(file, "utf8")).trim();
    } catch {
      throw new Error(
        `No admin password: set HALLWAY_ADMIN_PASSWORD, or run this where the server keeps ${file}.`,
      );
    }
  }

  async signIn(username: string, password = DEMO_PASSWORD): Promise<Session> {
    const known = this.sessions.get(username);
    if (known) return known;
    const session = await this.rest().signIn(username, password);
    this.sessions.set(username, session);
    return session;
  }

  as(username: string): RestClient {
    const session = this.sessions.get(username);
    if (!session) throw new Error(`${username} is not signed in`);
    return this.rest(session.accessToken);
  }

  async createPeople(admin: RestClient): Promise<void> {
    for (const person of DEMO_PEOPLE) {
      try {
        await admin.request("POST", "/api/v1/users", { ...person, password: DEMO_PASSWORD });
        console.log(`  created ${person.username} (${person.role})`);
      } catch (error) {
        if (!(error instanceof HallwayClientError)) throw error;
        if (error.code !== "USERNAME_TAKEN" && error.code !== "EXTERNAL_ID_TAKEN") throw error;
        console.log(`  ${person.username} exists already`);
      }
    }
  }

  async say(conversationId: string, script: Script): Promise<void> {
    for (const [index, [username, text]] of script.lines.entries()) {
      await this.as(username).request("POST", `/api/v1/conversations/${conversationId}/messages`, {
        clientId: `demo-${script.key}-${index}`,
        text,
      });
    }
    for (const username of script.readBy ?? []) {
      const summary = await this.as(username).request<ConversationSummary>(
        "GET",
        `/api/v1/conversations/${conversationId}`,
      );
      await this.as(username).request("POST", `/api/v1/conversations/${conversationId}/read`, {
        seq: summary.lastSeq,
      });
    }
  }

  async conversations(username: string): Promise<ConversationSummary[]> {
    const list = await this.as(username).request<{ conversations: ConversationSummary[] }>(
      "GET",
      "/api/v1/conversations?archived=all",
    );
    return list.conversations;
  }

  /** The class group's thread, reactions, edit and photo; again on a second run changes nothing. */
  async classExtras(conversationId: string): Promise<void> {
    const teacher = this.as(CLASS_EXTRAS.photo.author);
    const page = await teacher.request<{ messages: Message[] }>(
      "GET",
      `/api/v1/conversations/${conversationId}/messages?limit=200`,
    );
    const find = (text: string) => page.messages.find((m) => m.text.startsWith(text));
    const parent = find(CLASS_EXTRAS.threadUnder);
    if (parent) {
      for (const [index, [username, text]] of CLASS_EXTRAS.replies.entries())
        await this.as(username).request("POST", `/api/v1/conversations/${conversationId}/messages`, {
          clientId: `demo-class-thread-${index}`,
          text,
          parentId: parent.id,
        });
      for (const [username, emoji] of CLASS_EXTRAS.reactions)
        await this.as(username).request(
          "PUT",
          `/api/v1/conversations/${conversationId}/messages/${parent.id}/reactions/${encodeURIComponent(emoji)}`,
        );
    }
    // Sent, then corrected, once: a message already there is left as it is (sending it again
    // with the same client id and its first text would not match the edited one).
    if (!page.messages.some((m) => m.clientId === CLASS_EXTRAS.edit.clientId)) {
      const { message } = await teacher.request<{ message: Message }>(
        "POST",
        `/api/v1/conversations/${conversationId}/messages`,
        { clientId: CLASS_EXTRAS.edit.clientId, text: CLASS_EXTRAS.edit.was },
      );
      await teacher.request("PATCH", `/api/v1/conversations/${conversationId}/messages/${message.id}`, {
        text: CLASS_EXTRAS.edit.now,
      });
    }
    if (!page.messages.some((m) => m.clientId === "demo-class-photo")) {
      const { attachment } = await this.upload(
        CLASS_EXTRAS.photo.author,
        conversationId,
        new File([png(960, 640)], CLASS_EXTRAS.photo.name, { type: "image/png" }),
      );
      await teacher.request("POST", `/api/v1/conversations/${conversationId}/messages`, {
        clientId: "demo-class-photo",
        text: CLASS_EXTRAS.photo.text,
        attachmentIds: [attachment.id],
      });
    }
  }

  /** An upload through the SDK (no WebSocket needed: uploads are REST). */
  upload(username: string, conversationId: string, file: File) {
    const client = new HallwayClient({ baseUrl: BASE_URL });
    client.useSession(this.sessions.get(username)!);
    return client.upload(conversationId, file);
  }

  async run(): Promise<void> {
    console.log(`Seeding a demo school into ${BASE_URL}`);
    const admin = this.rest((await this.signIn(ADMIN_USERNAME, await this.adminPassword())).accessToken);

    console.log("People:");
    await this.createPeople(admin);

    const sync = await admin.request<DirectorySyncResult>("POST", "/api/v1/directory/sync", DIRECTORY);
    console.log(
      `Directory: ${sync.sections.created} classes created, ${sync.sections.updated + sync.sections.unchanged} kept; ` +
        `${sync.enrolments.added} enrolments and ${sync.guardians.added} family links added`,
    );
    if (sync.unknownExternalIds.length > 0)
      console.warn(`  unknown external ids: ${sync.unknownExternalIds.join(", ")}`);

    const speakers = new Set(
      [...DIRECT_CHATS, GROUP, CLASS_MESSAGES, WELCOME, { lines: CLASS_EXTRAS.replies }]
        .flatMap((s) => s.lines.map(([u]) => u))
        .concat(GROUP.creator),
    );
    for (const username of speakers) await this.signIn(username);
    const idOf = (username: string) => this.sessions.get(username)!.user.id;

    console.log("Conversations:");
    const everyone = (await this.conversations(WELCOME.author)).find((c) => c.kind === "primary");
    if (everyone) {
      await this.say(everyone.id, WELCOME);
      console.log(`  "${everyone.name}": a welcome from ${WELCOME.author}`);
    }
    for (const chat of DIRECT_CHATS) {
      const [from, to] = chat.between;
      const conversation = await this.as(from).request<ConversationSummary>(
        "POST",
        "/api/v1/conversations/direct",
        { userId: idOf(to) },
      );
      await this.say(conversation.id, chat);
      console.log(`  ${from} ↔ ${to}: ${chat.lines.length} messages`);
    }

    const existing = (await this.conversations(GROUP.creator)).find(
      (c) => c.kind === "group" && c.name === GROUP.name,
    );
    const group =
      existing ??
      (await this.as(GROUP.creator).request<ConversationSummary>("POST", "/api/v1/conversations", {
        name: GROUP.name,
        memberIds: GROUP.members.map(idOf),
      }));
    await this.say(group.id, GROUP);
    console.log(`  group "${GROUP.name}": ${GROUP.lines.length} messages`);

    const section = (await this.conversations(CLASS_MESSAGES.creator)).find(
      (c) => c.kind === "section" && c.name === CLASS_MESSAGES.section,
    );
    if (section) {
      await this.say(section.id, CLASS_MESSAGES);
      await this.classExtras(section.id);
      console.log(
        `  class group "${CLASS_MESSAGES.section}": ${CLASS_MESSAGES.lines.length} messages, a thread, reactions and a photo`,
      );
    } else console.warn(`  no class group "${CLASS_MESSAGES.section}" found; skipped its messages`);

    console.log(
      `\nThe demo school is ready at ${BASE_URL}/ — sign in as any of these (password "${DEMO_PASSWORD}"):\n`,
    );
    const width = Math.max(...DEMO_PEOPLE.map((p) => p.username.length));
    for (const person of DEMO_PEOPLE)
      console.log(`  ${person.username.padEnd(width)}  ${person.role.padEnd(9)}  ${person.displayName}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  new Demo().run().catch((error: unknown) => {
    if (error instanceof TypeError && /fetch failed/.test(error.message))
      console.error(`Cannot reach Hallway at ${BASE_URL}: start it with \`npm start\` (or set HALLWAY_URL).`);
    else if (error instanceof HallwayClientError && error.code === "RATE_LIMITED")
      console.error(`The server allows 20 sign-ins a minute from one address: ${error.message}.`);
    else console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
    process.exit(1);
  });
}
