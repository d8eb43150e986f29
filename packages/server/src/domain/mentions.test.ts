import { describe, expect, it } from "vitest";
import { findMentions } from "./mentions.ts";

describe("findMentions", () => {
  it("finds @usernames once each, lower-cased, in order", () => {
    expect(findMentions("@Ana and @ben.k, then @ana again")).toEqual({
      usernames: ["ana", "ben.k"],
      everyone: false,
    });
  });

  it("treats trailing punctuation as punctuation", () => {
    expect(findMentions("thanks @ana. See you, @ben-!").usernames).toEqual(["ana", "ben"]);
  });

  it("ignores e-mail addresses and words glued to the @", () => {
    expect(findMentions("write to ana@school.org or x@y").usernames).toEqual([]);
  });

  it("finds mentions after brackets, quotes and new lines", () => {
    expect(findMentions('(@ana) "@ben"\n@cal').usernames).toEqual(["ana", "ben", "cal"]);
  });

  it("knows @everyone and @all", () => {
    expect(findMentions("@everyone homework is due").everyone).toBe(true);
    expect(findMentions("Hello @all!").everyone).toBe(true);
    expect(findMentions("everyone @ home").everyone).toBe(false);
  });

  it("needs at least two characters, as usernames do", () => {
    expect(findMentions("@a @ @_x").usernames).toEqual([]);
  });

  it("finds mentions inside formatting, not inside code", () => {
    expect(findMentions("**@ana** _@ben_ ~~@cal~~").usernames).toEqual(["ana", "ben", "cal"]);
    expect(findMentions("run `ping @ana` then\n```\n@ben\n```\nask @cal").usernames).toEqual(["cal"]);
  });
});
