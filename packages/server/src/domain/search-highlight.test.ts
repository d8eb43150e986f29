import { describe, expect, it } from "vitest";
import {
  HIGHLIGHT_STOP as E,
  excerpt,
  highlightFromHeadline,
  HIGHLIGHT_START as S,
} from "./search-highlight.ts";

const marked = (h: { text: string; ranges: { start: number; end: number }[] }) =>
  h.ranges.map((r) => h.text.slice(r.start, r.end));

describe("highlightFromHeadline", () => {
  it("maps marks in the normalised text back onto the message as typed", () => {
    const body = "<b>Quokka</b> “facts” 👍 for ÉLÈVES";
    // What hallway_search_text() and ts_headline make of it: lower case, symbols as spaces.
    const headline = ` b ${S}quokka${E} /b   facts    for ${S}élèves${E}`;
    expect(Array.from(headline.replaceAll(S, "").replaceAll(E, ""))).toHaveLength(Array.from(body).length);
    const h = highlightFromHeadline(headline, body);
    expect(h.text).toBe(body);
    expect(marked(h)).toEqual(["Quokka", "ÉLÈVES"]);
  });

  it("shows the message unmarked when the two texts do not line up", () => {
    expect(highlightFromHeadline(`${S}i̇stanbul${E}`, "İstanbul")).toEqual({ text: "İstanbul", ranges: [] });
  });
});

describe("excerpt", () => {
  it("keeps short texts whole", () => {
    expect(excerpt("short", [{ start: 0, end: 5 }])).toEqual({
      text: "short",
      ranges: [{ start: 0, end: 5 }],
    });
  });

  it("cuts a long text at spaces around the first match and says where it was cut", () => {
    const text = `${"lorem ipsum ".repeat(50)}MATCH ${"dolor sit ".repeat(50)}`;
    const start = text.indexOf("MATCH");
    const h = excerpt(text, [{ start, end: start + 5 }]);
    expect(h.text.startsWith("… ")).toBe(true);
    expect(h.text.endsWith(" …")).toBe(true);
    expect(h.text.length).toBeLessThan(400);
    expect(marked(h)).toEqual(["MATCH"]);
    expect(h.text).toMatch(/^… lorem/);
  });

  it("never splits an emoji", () => {
    const text = "😀".repeat(300);
    const h = excerpt(text, []);
    expect(Array.from(h.text.replace(/ …$/, "")).every((c) => c === "😀")).toBe(true);
  });
});
