import { describe, expect, it } from "vitest";
import { parseSearchQuery } from "./search-query.ts";

describe("parseSearchQuery", () => {
  it("takes inline filters out of the text and leaves the words in web-search syntax", () => {
    expect(
      parseSearchQuery(
        'volcano "science fair" -maths or art from:@Ana.Lopez has:IMAGE in:"Year 8" after:2025-01-31',
      ),
    ).toEqual({
      text: 'volcano "science fair" -maths or art',
      from: ["ana.lopez"],
      in: ["Year 8"],
      has: ["image"],
      after: "2025-01-31",
      before: null,
    });
  });

  it("keeps operators inside quotes, and operators with senseless values, as words", () => {
    expect(parseSearchQuery('"from:ana" has:banana after:soon before:2025-02-30 in: from:').text).toBe(
      '"from:ana" has:banana after:soon before:2025-02-30 in: from:',
    );
    expect(parseSearchQuery("http://school.org/x").text).toBe("http://school.org/x");
  });

  it("collects repeated filters: any of several has:, the tightest dates", () => {
    const parsed = parseSearchQuery(
      "has:image has:voice has:image after:2025-01-01 after:2025-03-01 before:2025-06-01 before:2025-05-01 from:a1 from:A1 in:x in:y",
    );
    expect(parsed).toMatchObject({
      text: "",
      has: ["image", "audio"],
      after: "2025-03-01",
      before: "2025-05-01",
      from: ["a1"],
      in: ["x", "y"],
    });
  });

  it("reads curly quotes as quotes and survives an unclosed one", () => {
    expect(parseSearchQuery("“science fair” poster").text).toBe('"science fair" poster');
    expect(parseSearchQuery('in:"Year 8 poster').in).toEqual(["Year 8 poster"]);
    expect(parseSearchQuery('"science fair').text).toBe('"science fair');
  });
});
