import { describe, expect, it } from "vitest";
import { MentionCounts } from "./mentions.ts";

describe("MentionCounts", () => {
  it("adds live mentions after the resume's count and clears them as they are read", () => {
    const counts = new MentionCounts();
    counts.adopt("c", 2, 10); // two unread mentions up to seq 10
    counts.mentioned("c", 8); // replayed before the reply: already counted
    counts.mentioned("c", 12);
    counts.mentioned("c", 15);
    expect(counts.get("c")).toBe(4);
    counts.unmentioned("c", 15); // deleted
    expect(counts.get("c")).toBe(3);
    counts.read("c", 11); // covers the resume's count, not seq 12
    expect(counts.get("c")).toBe(1);
    counts.read("c", 12);
    expect(counts.get("c")).toBe(0);
  });

  it("keeps the resume's count until everything it covered is read", () => {
    const counts = new MentionCounts();
    counts.adopt("c", 1, 20);
    counts.read("c", 19);
    expect(counts.get("c")).toBe(1);
    counts.read("c", 20);
    expect(counts.get("c")).toBe(0);
  });
});
