import { describe, expect, it } from "vitest";
import { mentionQueryAt, splitMentions } from "./mentions.ts";

describe("splitMentions", () => {
  it("cuts @names out of the text as the server reads them", () => {
    expect(splitMentions("@leo.martin please, and @Chloe_M.")).toEqual([
      { text: "@leo.martin", mention: "leo.martin" },
      { text: " please, and " },
      { text: "@Chloe_M", mention: "chloe_m" },
      { text: "." },
    ]);
  });

  it("leaves e-mail addresses and a lone @ alone", () => {
    expect(splitMentions("mail ana@school.org @ noon")).toEqual([{ text: "mail ana@school.org @ noon" }]);
    expect(splitMentions("(@everyone)")).toEqual([
      { text: "(" },
      { text: "@everyone", mention: "everyone" },
      { text: ")" },
    ]);
  });
});

describe("mentionQueryAt", () => {
  it("finds the @word being typed before the caret", () => {
    expect(mentionQueryAt("hi @le", 6)).toEqual({ start: 3, query: "le" });
    expect(mentionQueryAt("@", 1)).toEqual({ start: 0, query: "" });
    expect(mentionQueryAt("hi @le there", 6)).toEqual({ start: 3, query: "le" });
  });

  it("finds none after a space, or inside an address", () => {
    expect(mentionQueryAt("hi @leo ", 8)).toBeNull();
    expect(mentionQueryAt("ana@school", 10)).toBeNull();
  });
});
