import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CompiledWordFilter, normalizePattern, type WordFilterEntry } from "./word-filter.ts";

let ids = 0;
const entry = (pattern: string, action: WordFilterEntry["action"]): WordFilterEntry => ({
  id: `f${++ids}`,
  pattern: normalizePattern(pattern),
  action,
});

describe("normalizePattern", () => {
  it("stores one form per word or phrase: NFC, lower case, single spaces", () => {
    expect(normalizePattern("  Bad \t Word ")).toBe("bad word");
    expect(normalizePattern("CAFE\u0301")).toBe("café");
    expect(normalizePattern("ΣΟΦΙΑ")).toBe("σοφια");
  });
});

describe("matching", () => {
  const filter = new CompiledWordFilter([entry("darn", "mask")]);
  const mask = (text: string) => {
    const s = filter.screen(text);
    return s.verdict === "accept" ? s.text : "(rejected)";
  };

  it("is case-insensitive and on word boundaries", () => {
    expect(mask("Darn it, DARN!")).toBe("**** it, ****!");
    expect(mask("darned darning undarn darn_it")).toBe("darned darning undarn darn_it");
    expect(mask("(darn)")).toBe("(****)");
    expect(mask("darn.")).toBe("****.");
  });

  it("knows what a word is in other scripts", () => {
    const f = new CompiledWordFilter([entry("дурак", "mask"), entry("σκατά", "mask"), entry("café", "mask")]);
    const text = (t: string) => (f.screen(t) as { text: string }).text;
    expect(text("Ты ДУРАК, дураки")).toBe("Ты *****, дураки");
    expect(text("ΣΚΑΤΆ και σκατά")).toBe("***** και *****");
    // Combining accents (NFD) match the precomposed pattern; "cafés" is another word.
    expect(text("un cafe\u0301 noir, deux cafés")).toBe("un **** noir, deux cafés");
  });

  it("matches inside running text in scripts written without spaces", () => {
    const f = new CompiledWordFilter([entry("笨蛋", "mask")]);
    expect((f.screen("你是笨蛋吗") as { text: string }).text).toBe("你是**吗");
  });

  it("matches phrases across any white space, the longest first", () => {
    const f = new CompiledWordFilter([entry("shut", "flag"), entry("shut up", "mask")]);
    const s = f.screen("Shut\n  UP now");
    expect(s).toMatchObject({ verdict: "accept", text: "****\n  ** now", masked: true });
  });

  it("treats regular-expression characters in a pattern as themselves", () => {
    const f = new CompiledWordFilter([entry("a.b", "mask"), entry("(x)", "reject")]);
    expect((f.screen("a.b axb") as { text: string }).text).toBe("*** axb");
    expect(f.screen("say (x) now").verdict).toBe("reject");
    expect(f.screen("say x now").verdict).toBe("accept");
  });
});

describe("actions", () => {
  const reject = entry("forbidden", "reject");
  const flag = entry("fight", "flag");
  const flag2 = entry("after school", "flag");
  const mask = entry("heck", "mask");
  const filter = new CompiledWordFilter([reject, flag, flag2, mask]);

  it("reject wins over everything and names the entries it matched", () => {
    expect(filter.screen("a heck of a forbidden fight")).toEqual({ verdict: "reject", rejectedBy: [reject] });
  });

  it("flag keeps the text as it is and names every flag entry once", () => {
    expect(filter.screen("Fight after school, FIGHT!")).toEqual({
      verdict: "accept",
      text: "Fight after school, FIGHT!",
      masked: false,
      flaggedBy: [flag, flag2],
    });
  });

  it("mask and flag together: masked text, flagged", () => {
    expect(filter.screen("what the heck, a fight")).toEqual({
      verdict: "accept",
      text: "what the ****, a fight",
      masked: true,
      flaggedBy: [flag],
    });
  });

  it("a clean text comes back exactly as it was sent", () => {
    const text = "Homework: pages 3\u20134 (cafe\u0301)";
    expect(filter.screen(text)).toEqual({ verdict: "accept", text, masked: false, flaggedBy: [] });
  });

  it("never throws, keeps the length of masked words and masks nothing outside them (any text)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 60 }), fc.string({ maxLength: 60 }), (a, b) => {
        const text = `${a} heck ${b}`;
        const s = filter.screen(text);
        if (s.verdict === "accept" && s.masked) {
          expect(s.text).toContain(" **** ");
          expect(Array.from(s.text).length).toBe(Array.from(text.normalize("NFC")).length);
        }
      }),
      { numRuns: 300 },
    );
  });
});
