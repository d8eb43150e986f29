import type { ConversationSummary, SearchMessagesResult, SearchResult } from "@hallway/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api, expectStatus } from "./api.ts";
import {
  enrol,
  expectError,
  newClientId,
  queryDb,
  type SendMessageResult,
  type SignedIn,
  TRUSTED_SECRET,
} from "./fixtures.ts";
import { startTestServer, type TestServer } from "./harness.ts";
import { expectErrorReply, RawClient } from "./realtime/helpers.ts";

/**
 * Message search (C9): full text over the messages of one's own conversations, with web-search
 * syntax, inline filters, ranking, highlights and paging, over REST and WebSocket alike.
 */

let server: TestServer;
let admin: Api;
let people: Record<string, SignedIn>;
let science: string;
let staffroom: string;
let anaBen: string;

const p = (name: string) => people[`S-${name}`]!;

beforeAll(async () => {
  server = await startTestServer({ HALLWAY_TRUSTED_JWT_SECRET: TRUSTED_SECRET });
  ({ api: admin } = await new Api(server.url).signInAdmin());
  people = await enrol(
    server.url,
    admin,
    [
      ["ana", "Ana López"],
      ["ben", "Ben Okafor"],
      ["cal", "Cal Reyes"],
      ["dee", "Dee Novak"],
    ].map(([name, displayName]) => ({
      externalId: `S-${name}`,
      username: `${name}.teacher`,
      role: "teacher",
      displayName: displayName!,
    })),
  );
  science = await group(p("ana"), "Year 8 Science", [p("ben"), p("cal")]);
  staffroom = await group(p("ben"), "Staff room", [p("ana"), p("dee")]);
  anaBen = expectStatus<ConversationSummary>(
    await p("ana").api.post("/api/v1/conversations/direct", { userId: p("ben").id }),
    201,
  ).id;
});
afterAll(() => server?.close());

async function group(by: SignedIn, name: string, members: SignedIn[]): Promise<string> {
  const res = await by.api.post<ConversationSummary>("/api/v1/conversations", {
    name,
    memberIds: members.map((m) => m.id),
  });
  return expectStatus(res, 201).id;
}

async function send(as: SignedIn, conversationId: string, text: string): Promise<string> {
  const res = await as.api.post<SendMessageResult>(`/api/v1/conversations/${conversationId}/messages`, {
    clientId: newClientId("search"),
    text,
  });
  return expectStatus(res, 201).message.id;
}

/** A message written straight into the database: attachments' kinds, or a date in the past. */
async function insert(
  as: SignedIn,
  conversationId: string,
  text: string,
  options: { kind?: string; at?: string } = {},
): Promise<string> {
  const [row] = await queryDb<{ id: string }>(
    server.databaseUrl,
    `WITH next AS (
       UPDATE conversations SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq
     )
     INSERT INTO messages (conversation_id, seq, sender_id, kind, body, created_at)
     SELECT $1, last_seq, $2, $3, $4, coalesce($5::timestamptz, now()) FROM next
     RETURNING id`,
    [conversationId, as.id, options.kind ?? "text", text, options.at ?? null],
  );
  return row!.id;
}

function searchAs(as: SignedIn, query: Record<string, string | number>) {
  const params = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
  return as.api.get<SearchMessagesResult>(`/api/v1/search/messages?${params}`);
}

async function search(
  as: SignedIn,
  query: Record<string, string | number> | string,
): Promise<SearchResult[]> {
  const res = await searchAs(
    as,
    typeof query === "string" ? { q: query, limit: 50 } : { limit: 50, ...query },
  );
  return expectStatus(res, 200).results;
}

const texts = (results: SearchResult[]) => results.map((r) => r.message.text);
const marked = (r: SearchResult) =>
  r.highlight.ranges.map(({ start, end }) => r.highlight.text.slice(start, end));

describe("finding messages", () => {
  it("finds a message by a word, with its conversation, rank and highlighted words", async () => {
    const id = await send(p("ana"), science, "Please bring your volcano homework on Friday");
    const [hit, ...rest] = await search(p("ben"), "volcano");
    expect(rest).toEqual([]);
    expect(hit!.message).toMatchObject({
      id,
      conversationId: science,
      senderId: p("ana").id,
      kind: "text",
      text: "Please bring your volcano homework on Friday",
      deleted: false,
    });
    expect(hit!.conversation).toEqual({ id: science, kind: "group", name: "Year 8 Science" });
    expect(hit!.rank).toBeGreaterThan(0);
    expect(hit!.highlight.text).toBe("Please bring your volcano homework on Friday");
    expect(marked(hit!)).toEqual(["volcano"]);
    // Case does not matter, and every member finds it, the author too.
    expect(texts(await search(p("cal"), "VOLCANO"))).toEqual([
      "Please bring your volcano homework on Friday",
    ]);
    expect(await search(p("ana"), "Volcano")).toHaveLength(1);
  });

  it("ignores accents both ways, and matches whole words without stemming (any language)", async () => {
    await send(p("ana"), science, "L'élève a oublié son cahier à la cantine");
    await send(p("ana"), science, "Straße closed: the café on Øster road");
    for (const q of ["eleve", "ÉLÈVE", "élève", "Eleve oublie"])
      expect(texts(await search(p("ben"), q)), q).toEqual(["L'élève a oublié son cahier à la cantine"]);
    expect(marked((await search(p("ben"), "eleve"))[0]!)).toEqual(["élève"]);
    expect(texts(await search(p("ben"), "strasse cafe oster"))).toEqual([
      "Straße closed: the café on Øster road",
    ]);
    // Case in every script; curly quotes, dashes and emoji are not part of a word.
    await send(p("ana"), science, "ПРИВЕТ класс! Thanks for the “lanternfish” worksheet—great👍done ✅fin");
    for (const q of [
      "привет",
      "Привет КЛАСС",
      "lanternfish",
      "worksheet great",
      "done",
      "fin",
      "“lanternfish worksheet”",
    ])
      expect(await search(p("ben"), q), q).toHaveLength(1);
    expect(marked((await search(p("ben"), "lanternfish done привет"))[0]!)).toEqual([
      "ПРИВЕТ",
      "lanternfish",
      "done",
    ]);
    // `simple`: no stemming, so another form of a word is another word.
    expect(await search(p("ben"), "eleves")).toEqual([]);
    expect(await search(p("ben"), "cahiers")).toEqual([]);
  });

  it("knows quoted phrases, or, and -exclusion", async () => {
    await send(p("ana"), science, "The science fair poster is due");
    await send(p("ana"), science, "Poster paints for the fair are in the science lab");
    await send(p("ana"), science, "Fair warning: the poster printer is broken");
    expect(texts(await search(p("ben"), '"science fair poster"'))).toEqual([
      "The science fair poster is due",
    ]);
    expect(texts(await search(p("ben"), "poster fair -science"))).toEqual([
      "Fair warning: the poster printer is broken",
    ]);
    expect(new Set(texts(await search(p("ben"), "paints or printer")))).toEqual(
      new Set([
        "Poster paints for the fair are in the science lab",
        "Fair warning: the poster printer is broken",
      ]),
    );
    // Every word must be there.
    expect(await search(p("ben"), "poster printer paints")).toEqual([]);
  });

  it("ranks the better match first", async () => {
    // The weaker match is newer, so recency alone would put it first.
    const close = await send(p("ana"), science, "Museum trip tomorrow: the museum trip leaves at eight");
    await send(
      p("ana"),
      science,
      "The museum is closed on Mondays, so after a long discussion in the staff meeting we moved the trip",
    );
    const results = await search(p("ben"), "museum trip");
    expect(results).toHaveLength(2);
    expect(results[0]!.message.id).toBe(close);
    expect(results[0]!.rank).toBeGreaterThan(results[1]!.rank);
    // Newest first when asked.
    const recent = await search(p("ben"), { q: "museum trip", sort: "recent" });
    expect(recent.map((r) => r.message.id)).toEqual([results[1]!.message.id, close]);
  });

  it("shows what people typed as plain text with ranges, tags and all, and the part around a match of a long message", async () => {
    await send(p("ana"), science, "<b>Quokka</b> facts & <script>alert(1)</script> for Monday");
    const [hit] = await search(p("ben"), "quokka");
    expect(hit!.highlight.text).toBe("<b>Quokka</b> facts & <script>alert(1)</script> for Monday");
    expect(marked(hit!)).toEqual(["Quokka"]);

    const long = `${"Notes from the assembly about many things. ".repeat(20)}Remember the axolotl tank. ${"More notes follow here. ".repeat(20)}`;
    await send(p("ana"), science, long.trim());
    const [part] = await search(p("ben"), "axolotl");
    expect(part!.message.text).toBe(long.trim());
    expect(part!.highlight.text.length).toBeLessThan(400);
    expect(part!.highlight.text.startsWith("… ")).toBe(true);
    expect(part!.highlight.text.endsWith(" …")).toBe(true);
    expect(marked(part!)).toEqual(["axolotl"]);
  });
});

describe("filters", () => {
  it("by sender: senderId, or from:username in the text", async () => {
    await send(p("ana"), staffroom, "Who has the gecko permission slips?");
    await send(p("ben"), staffroom, "I have the gecko permission slips");
    await send(p("dee"), staffroom, "The gecko slips are in the office");
    expect(texts(await search(p("ana"), { q: "gecko", senderId: p("ben").id }))).toEqual([
      "I have the gecko permission slips",
    ]);
    expect(texts(await search(p("ana"), "gecko from:ben.teacher"))).toEqual([
      "I have the gecko permission slips",
    ]);
    expect(texts(await search(p("ana"), "from:@Dee.Teacher gecko"))).toEqual([
      "The gecko slips are in the office",
    ]);
    // From someone alone: their messages, newest first.
    const dees = await search(p("ana"), "from:dee.teacher");
    expect(dees.every((r) => r.message.senderId === p("dee").id)).toBe(true);
    expect(dees.length).toBeGreaterThan(0);
    // Both ways at once must agree.
    expect(await search(p("ana"), { q: "gecko from:dee.teacher", senderId: p("ben").id })).toEqual([]);
    expect(await search(p("ana"), "gecko from:nobody.here")).toEqual([]);
  });

  it("by date range: from and to, or after: and before:", async () => {
    await insert(p("ana"), staffroom, "Ocelot report for March", { at: "2024-03-10T09:00:00Z" });
    await insert(p("ana"), staffroom, "Ocelot report for April", { at: "2024-04-15T23:30:00Z" });
    await insert(p("ana"), staffroom, "Ocelot report for May", { at: "2024-05-01T00:00:00Z" });
    const q = "ocelot";
    expect(texts(await search(p("dee"), { q, from: "2024-04-01", to: "2024-04-30" }))).toEqual([
      "Ocelot report for April",
    ]);
    // A day as `to` includes that day; a moment is exclusive.
    expect(texts(await search(p("dee"), { q, from: "2024-04-15", to: "2024-04-15" }))).toEqual([
      "Ocelot report for April",
    ]);
    expect(texts(await search(p("dee"), { q, to: "2024-05-01T00:00:00Z" }))).toEqual([
      "Ocelot report for April",
      "Ocelot report for March",
    ]);
    expect(texts(await search(p("dee"), { q, from: "2024-04-16T01:30:00+02:00" }))).toEqual([
      "Ocelot report for May",
      "Ocelot report for April",
    ]);
    expect(texts(await search(p("dee"), "ocelot after:2024-04-01 before:2024-05-01"))).toEqual([
      "Ocelot report for April",
    ]);
    expect(texts(await search(p("dee"), "after:2024-04-01 before:2024-05-01"))).toEqual([
      "Ocelot report for April",
    ]);
  });

  it("has:image, has:file, has:audio and has:attachment find messages of those kinds", async () => {
    const image = await insert(p("cal"), science, "Pelican nest photo from the trip", { kind: "image" });
    const file = await insert(p("cal"), science, "pelican-worksheet.pdf", { kind: "file" });
    const audio = await insert(p("cal"), science, "", { kind: "audio" });
    await send(p("cal"), science, "Did anyone see the pelican nest?");
    const ids = (results: SearchResult[]) => results.map((r) => r.message.id);

    const [hit] = await search(p("ben"), "pelican has:image");
    expect(hit!.message).toMatchObject({ id: image, kind: "image" });
    expect(await search(p("ben"), "pelican has:image")).toHaveLength(1);
    expect(ids(await search(p("ben"), { q: "pelican", has: "image" }))).toEqual([image]);
    expect(ids(await search(p("ben"), "has:file"))).toEqual([file]);
    expect(ids(await search(p("ben"), { has: "audio" }))).toEqual([audio]);
    expect(new Set(ids(await search(p("ben"), "has:attachment")))).toEqual(new Set([image, file, audio]));
    expect(new Set(ids(await search(p("ben"), "has:image has:audio")))).toEqual(new Set([image, audio]));
    expect(await search(p("ben"), { q: "has:file", has: "image" })).toEqual([]);
    // The word, the sender and has:image together.
    expect(ids(await search(p("ben"), "nest from:cal.teacher has:image"))).toEqual([image]);
    // A filter alone shows the message's beginning, nothing marked.
    const [alone] = await search(p("ben"), "has:image");
    expect(alone!.highlight).toEqual({ text: "Pelican nest photo from the trip", ranges: [] });
    expect(alone!.rank).toBe(0);
  });

  it("in:<name> and conversationId narrow to conversations, and direct ones go by the other person", async () => {
    await send(p("ana"), science, "Walrus worksheet for the class");
    await send(p("ben"), staffroom, "Walrus worksheet for the staff");
    await send(p("ben"), anaBen, "Walrus worksheet just for you");
    expect(texts(await search(p("ana"), { q: "walrus", conversationId: staffroom }))).toEqual([
      "Walrus worksheet for the staff",
    ]);
    expect(texts(await search(p("ana"), "walrus in:science"))).toEqual(["Walrus worksheet for the class"]);
    expect(texts(await search(p("ana"), 'in:"staff ROOM" walrus'))).toEqual([
      "Walrus worksheet for the staff",
    ]);
    expect(texts(await search(p("ana"), "walrus in:okafor"))).toEqual(["Walrus worksheet just for you"]);
    const [direct] = await search(p("ana"), "walrus in:@ben.teacher");
    // A direct conversation is named after the other person.
    expect(direct!.conversation).toEqual({ id: anaBen, kind: "direct", name: "Ben Okafor" });
    expect(await search(p("ana"), "walrus in:nowhere")).toEqual([]);
  });
});

describe("only what the searcher may read", () => {
  it("never shows the messages of conversations one is not in, or no longer in", async () => {
    const club = await group(p("ana"), "Chess club", [p("cal")]);
    await send(p("ana"), club, "Narwhal opening practice on Thursday");
    expect(await search(p("ben"), "narwhal")).toEqual([]);
    expect(await search(p("dee"), "narwhal")).toEqual([]);
    expect(texts(await search(p("cal"), "narwhal"))).toEqual(["Narwhal opening practice on Thursday"]);
    expectError(
      await searchAs(p("ben"), { q: "narwhal", conversationId: club }),
      404,
      "CONVERSATION_NOT_FOUND",
    );

    expectStatus(await p("cal").api.post(`/api/v1/conversations/${club}/leave`), 204);
    expect(await search(p("cal"), "narwhal")).toEqual([]);
    expect(await search(p("cal"), "from:ana.teacher narwhal")).toEqual([]);
    expectError(
      await searchAs(p("cal"), { q: "narwhal", conversationId: club }),
      404,
      "CONVERSATION_NOT_FOUND",
    );
    expect(await search(p("ana"), "narwhal")).toHaveLength(1);
  });

  it("never shows deleted messages, nor system notices", async () => {
    const id = await send(p("ana"), science, "Platypus quiz answers (oops, wrong group)");
    expect(await search(p("ben"), "platypus")).toHaveLength(1);
    expectStatus(await p("ana").api.delete(`/api/v1/conversations/${science}/messages/${id}`), 200);
    expect(await search(p("ben"), "platypus")).toEqual([]);
    expect(await search(p("ana"), "platypus")).toEqual([]);
    // "Ana created the group", "added Ben and Cal": notices are not search results.
    const all = await search(p("ben"), { q: "", conversationId: science, limit: 50 });
    expect(all.length).toBeGreaterThan(0);
    expect(all.every((r) => r.message.kind !== "system")).toBe(true);
  });
});

describe("the search vector of a file's names", () => {
  // 0012 rewrote hallway_attachment_words as one expression so PostgreSQL inlines it (the
  // subquery of 0011 was planned again for every batch of sends). Stored vectors were kept, so
  // the words must be the very ones 0011's version gave.
  const names = [
    [],
    ["Field_Trip-Permission.form.pdf"],
    ["élève «résumé» 2.docx", 'a"b\\c.png', "Worksheet_3.pdf"],
    ["Ünïcödé – ΑΒΓ 日本語.txt", "[draft], v2 (final).pdf"],
  ];

  it("gives the same words as the version the stored vectors were made with", async () => {
    for (const list of names) {
      const attachments = JSON.stringify(list.map((name, i) => ({ id: `file-${i}`, name, size: 1 })));
      const [row] = await queryDb(
        server.databaseUrl,
        `SELECT to_tsvector('hallway_search', hallway_search_text('x ' || hallway_attachment_words($1::jsonb)))::text AS now,
                to_tsvector('hallway_search', hallway_search_text('x ' || coalesce(
                  (SELECT string_agg(translate(item->>'name', '._-', '   '), ' ') FROM jsonb_array_elements($1::jsonb) item),
                  '')))::text AS before`,
        [attachments],
      );
      expect(row.now, attachments).toBe(row.before);
    }
  });

  it("is computed inline, not through a function call planned per statement", async () => {
    const [row] = await queryDb(
      server.databaseUrl,
      "EXPLAIN (VERBOSE, FORMAT JSON) SELECT hallway_attachment_words(attachments) FROM messages",
    );
    const plan = JSON.stringify(row["QUERY PLAN"]);
    expect(plan).toContain("jsonb_path_query_array");
    expect(plan).not.toContain("hallway_attachment_words");
  });
});

describe("paging and edge cases", () => {
  it("pages through every match once, in order, with nextCursor", async () => {
    const sent = new Set<string>();
    for (let i = 0; i < 23; i++) sent.add(await send(p("ben"), staffroom, `Capybara rota week ${i + 1}`));
    for (const sort of ["relevance", "recent"]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await searchAs(p("dee"), {
          q: "capybara",
          sort,
          limit: 10,
          ...(cursor ? { cursor } : {}),
        });
        const page: SearchMessagesResult = expectStatus(res, 200);
        seen.push(...page.results.map((r) => r.message.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages, sort).toBe(3);
      expect(seen, sort).toHaveLength(23);
      expect(new Set(seen), sort).toEqual(sent);
    }
  });

  it("finds nothing, without an error, for text with nothing to search for", async () => {
    for (const q of ["", "   ", "!!!", "-volcano", '""', "&|!()", "-"])
      expect(expectStatus(await searchAs(p("ben"), { q }), 200), JSON.stringify(q)).toEqual({
        results: [],
        nextCursor: null,
      });
    // Operators with values that make no sense are just words.
    expect(await search(p("ben"), "has:banana")).toEqual([]);
  });

  it("answers bad parameters with VALIDATION_FAILED", async () => {
    const bad: Record<string, string>[] = [
      { q: "x", limit: "0" },
      { q: "x", limit: "51" },
      { q: "x", limit: "ten" },
      { q: "x", has: "banana" },
      { q: "x", from: "yesterday" },
      { q: "x", to: "2024-13-01" },
      { q: "x", from: "2024-05-02", to: "2024-05-01" },
      { q: "x", conversationId: "not-a-uuid" },
      { q: "x", senderId: "42" },
      { q: "x", sort: "random" },
      { q: "x", cursor: "bm9wZQ" },
      { q: "x", unexpected: "1" },
      { q: "tab\u0007bell" },
      { q: "x".repeat(501) },
    ];
    for (const query of bad) expectError(await searchAs(p("ben"), query), 400, "VALIDATION_FAILED");
    // A cursor of one sort is not one of the other.
    await send(p("ben"), staffroom, "Tapir one");
    await send(p("ben"), staffroom, "Tapir two");
    const first = expectStatus(await searchAs(p("dee"), { q: "tapir", limit: 1 }), 200);
    expect(first.nextCursor).toBeTruthy();
    expectError(
      await searchAs(p("dee"), { q: "tapir", limit: 1, sort: "recent", cursor: first.nextCursor! }),
      400,
      "VALIDATION_FAILED",
    );
    expectError(await new Api(server.url).get("/api/v1/search/messages?q=tapir"), 401, "UNAUTHENTICATED");
  });
});

describe("over WebSocket", () => {
  it("search.messages answers exactly as REST, and refuses bad data with VALIDATION_FAILED", async () => {
    await send(p("ana"), science, "Ibex migration map for the geography lesson");
    const ws = await RawClient.connect(server, p("ben").session.accessToken);
    try {
      const rest = expectStatus(await searchAs(p("ben"), { q: "ibex migration" }), 200);
      const reply = await ws.call("search.messages", { q: "ibex migration" });
      expect(reply).toEqual(rest);
      expect(reply.results).toHaveLength(1);
      expect(reply.results[0].conversation.name).toBe("Year 8 Science");

      const filtered = await ws.call("search.messages", { q: "ibex has:image" });
      expect(filtered).toEqual({ results: [], nextCursor: null });
      expect(await ws.call("search.messages", { q: "" })).toEqual({ results: [], nextCursor: null });

      for (const data of [
        { q: "ibex", limit: 0 },
        { q: 42 },
        { q: "ibex", has: "video" },
        { q: "x", bogus: 1 },
      ]) {
        const frame = await ws.request("search.messages", data);
        expect(expectErrorReply(frame, frame.re), JSON.stringify(data)).toBe("VALIDATION_FAILED");
      }
      const notMine = await ws.request("search.messages", { q: "ibex", conversationId: crypto.randomUUID() });
      expect(expectErrorReply(notMine, notMine.re)).toBe("CONVERSATION_NOT_FOUND");
    } finally {
      ws.close();
    }
  });
});
