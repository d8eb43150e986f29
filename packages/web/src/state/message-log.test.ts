import type { Message } from "@hallway/protocol";
import { describe, expect, it } from "vitest";
import { applyChange, setReaction } from "./message-log.ts";

const base: Message = {
  id: "m1",
  conversationId: "c1",
  seq: 5,
  senderId: "u1",
  kind: "text",
  text: "Posters on Friday",
  system: null,
  clientId: null,
  createdAt: "2025-03-14T09:00:00.000Z",
  deleted: false,
  editedAt: null,
  parentId: null,
  replyCount: 0,
  lastReplyAt: null,
  mentions: [],
  mentionsEveryone: false,
  attachments: [],
  pinnedAt: null,
  pinnedBy: null,
  forwardedFrom: null,
};
const reply = (seq: number, createdAt: string): Message => ({
  ...base,
  id: `r${seq}`,
  seq,
  parentId: "m1",
  createdAt,
});

describe("applyChange", () => {
  it("edits, and ignores an older edit replayed after a newer copy", () => {
    const event = {
      conversationId: "c1",
      seq: 9,
      messageId: "m1",
      messageSeq: 5,
      text: "Posters on Thursday",
      mentions: [],
      mentionsEveryone: false,
      editedAt: "2025-03-14T10:00:00.000Z",
    };
    const [edited] = applyChange([base], { type: "edited", event });
    expect(edited).toMatchObject({ text: "Posters on Thursday", editedAt: event.editedAt });
    const older = { ...event, text: "Posters on Wednesday", editedAt: "2025-03-14T09:30:00.000Z" };
    expect(applyChange([edited!], { type: "edited", event: older })[0]!.text).toBe("Posters on Thursday");
  });

  it("turns a deleted message into a tombstone", () => {
    const withFile = { ...base, attachments: [{ id: "a", name: "x.pdf" } as Message["attachments"][0]] };
    const event = {
      conversationId: "c1",
      seq: 9,
      messageId: "m1",
      messageSeq: 5,
      senderId: "u1",
      deletedBy: "author" as const,
      actorId: "u1",
    };
    expect(applyChange([withFile], { type: "deleted", event })[0]).toMatchObject({
      deleted: true,
      text: "",
      attachments: [],
    });
  });

  it("counts replies on their parent and keeps the latest reply time", () => {
    const live = (r: Message) => ({ type: "reply" as const, reply: r, replaying: false });
    let list = applyChange([base], live(reply(6, "2025-03-14T09:05:00.000Z")));
    list = applyChange(list, live(reply(7, "2025-03-14T09:07:00.000Z")));
    // Sent in the same instant, live: counted too.
    list = applyChange(list, live(reply(8, "2025-03-14T09:07:00.000Z")));
    expect(list[0]).toMatchObject({ replyCount: 3, lastReplyAt: "2025-03-14T09:07:00.000Z" });
  });

  it("does not count a reply twice when the parent's copy already counts it", () => {
    // A resume replays the parent as it is now (2 replies), then the two replies.
    const parent = { ...base, replyCount: 2, lastReplyAt: "2025-03-14T09:07:00.000Z" };
    let list = applyChange([parent], {
      type: "reply",
      reply: reply(6, "2025-03-14T09:05:00.000Z"),
      replaying: true,
    });
    list = applyChange(list, { type: "reply", reply: reply(7, "2025-03-14T09:07:00.000Z"), replaying: true });
    expect(list[0]).toMatchObject({ replyCount: 2 });
    // A page read after a reply, then the reply's live event: still counted once.
    expect(
      applyChange([parent], {
        type: "reply",
        reply: reply(7, "2025-03-14T09:06:00.000Z"),
        replaying: false,
      })[0],
    ).toMatchObject({ replyCount: 2 });
  });

  it("pins and unpins, and ignores a replayed pin older than the copy shown", () => {
    const pin = (pinned: boolean, pinnedAt: string | null) => ({
      type: "pinned" as const,
      event: {
        conversationId: "c1",
        seq: 9,
        messageId: "m1",
        messageSeq: 5,
        pinned,
        actorId: "u2",
        pinnedAt,
      },
    });
    const [pinned] = applyChange([base], pin(true, "2025-03-14T10:00:00.000Z"));
    expect(pinned).toMatchObject({ pinnedAt: "2025-03-14T10:00:00.000Z", pinnedBy: "u2" });
    expect(applyChange([pinned!], pin(true, "2025-03-14T09:30:00.000Z"))[0]).toBe(pinned);
    expect(applyChange([pinned!], pin(false, null))[0]).toMatchObject({ pinnedAt: null, pinnedBy: null });
    const list = [base];
    expect(applyChange(list, pin(false, null))).toBe(list);
  });

  it("returns the same list when no message is concerned", () => {
    const list = [base];
    const event = {
      conversationId: "c1",
      seq: 9,
      messageId: "other",
      emoji: "👍",
      userId: "u2",
      added: true,
      count: 1,
    };
    expect(applyChange(list, { type: "reaction", event, myId: "u2" })).toBe(list);
  });
});

describe("setReaction", () => {
  it("sets counts, marks mine, and drops an emoji at zero", () => {
    let reactions = setReaction([], "👍", 1, true);
    reactions = setReaction(reactions, "🎉", 1, undefined);
    reactions = setReaction(reactions, "👍", 2, undefined);
    expect(reactions).toEqual([
      { emoji: "👍", count: 2, me: true },
      { emoji: "🎉", count: 1, me: false },
    ]);
    expect(setReaction(reactions, "🎉", 0, undefined)).toEqual([{ emoji: "👍", count: 2, me: true }]);
  });
});
