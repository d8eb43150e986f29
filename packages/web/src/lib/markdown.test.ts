import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Block, type Inline, markdownToPlain, parseInline, parseMarkdown } from "./markdown.ts";

const text = (value: string): Inline => ({ type: "text", text: value });
const paragraph = (...children: Inline[]): Block => ({ type: "paragraph", children });

/** Every node of a tree, depth first. */
function* walk(nodes: (Block | Inline)[]): Generator<Block | Inline> {
  for (const node of nodes) {
    yield node;
    if ("children" in node) yield* walk(node.children);
    if (node.type === "list") for (const item of node.items) yield* walk(item);
  }
}

describe("parseMarkdown: plain text", () => {
  it("is one paragraph of the text as typed, line breaks and blank lines kept", () => {
    expect(parseMarkdown("Hello Dev,\nsee you in class.")).toEqual([
      paragraph(text("Hello Dev,\nsee you in class.")),
    ]);
    expect(parseMarkdown("One\n\nTwo")).toEqual([paragraph(text("One\n\nTwo"))]);
  });

  it("leaves what is not in the subset literal: HTML, markdown links, headings, rules", () => {
    for (const input of [
      "<script>alert(1)</script>",
      "<img src=x onerror=alert(1)>",
      "[x](javascript:alert(1))",
      "# Not a heading",
      "---",
      "__not bold__",
      "***",
      "+ not a bullet",
      "2019. A good year",
    ])
      expect(parseMarkdown(input), input).toEqual([paragraph(text(input))]);
  });
});

describe("parseInline", () => {
  it("marks bold, italics (both ways), strikethrough and code", () => {
    expect(parseInline("**Trip** on _Friday_, *not* ~~Thursday~~ at `8:00`")).toEqual([
      { type: "strong", children: [text("Trip")] },
      text(" on "),
      { type: "em", children: [text("Friday")] },
      text(", "),
      { type: "em", children: [text("not")] },
      text(" "),
      { type: "strike", children: [text("Thursday")] },
      text(" at "),
      { type: "code", text: "8:00" },
    ]);
  });

  it("nests different kinds, not a kind in itself", () => {
    expect(parseInline("**bold _and italic_**")).toEqual([
      { type: "strong", children: [text("bold "), { type: "em", children: [text("and italic")] }] },
    ]);
    expect(parseInline("**a **b** c**")).toEqual([
      { type: "strong", children: [text("a **b")] },
      text(" c**"),
    ]);
  });

  it("leaves markers that are not closed, or sit inside words or before spaces, as text", () => {
    for (const input of [
      "**bold",
      "_half",
      "~~gone",
      "`code",
      "snake_case_name",
      "2*3*4 = 24",
      "a ** b ** c",
      "** spaced **",
      "~single~",
      "file_name.txt and other_file.txt",
    ])
      expect(parseInline(input), input).toEqual([text(input)]);
  });

  it("keeps code literal: no emphasis, links or mentions inside; longer runs hold backticks", () => {
    expect(parseInline("`**not bold** https://a.example @ana`")).toEqual([
      { type: "code", text: "**not bold** https://a.example @ana" },
    ]);
    expect(parseInline("``a ` b``")).toEqual([{ type: "code", text: "a ` b" }]);
    expect(parseInline("```inline block```")).toEqual([{ type: "code", text: "inline block" }]);
    expect(parseInline("*see `a*b`*")).toEqual([
      { type: "em", children: [text("see "), { type: "code", text: "a*b" }] },
    ]);
  });

  it("links bare http(s) URLs, without the punctuation after them", () => {
    expect(parseInline("See https://school.example/trip?day=1. Or http://x.example/a_(b)_c).")).toEqual([
      text("See "),
      { type: "link", href: "https://school.example/trip?day=1", text: "https://school.example/trip?day=1" },
      text(". Or "),
      { type: "link", href: "http://x.example/a_(b)_c", text: "http://x.example/a_(b)_c" },
      text(")."),
    ]);
    // Underscores in a URL are not italics; emphasis around one is.
    expect(parseInline("_https://a.example/x_y_")).toEqual([
      {
        type: "em",
        children: [{ type: "link", href: "https://a.example/x_y", text: "https://a.example/x_y" }],
      },
    ]);
    expect(parseInline("HTTPS://EXAMPLE.ORG")[0]).toMatchObject({
      type: "link",
      href: "https://example.org/",
    });
  });

  it("links nothing but http(s): no javascript:, data:, markdown links' targets or hostless URLs", () => {
    for (const input of [
      "javascript:alert(1)",
      "data:text/html,<script>alert(1)</script>",
      "JaVaScRiPt:alert(1)",
      "https://",
      "xhttps://inside.example",
      "ftp://files.example",
    ])
      expect(parseInline(input), input).toEqual([text(input)]);
    // A markdown link is text around a bare URL, which stops before the quote.
    expect(parseInline('[x](https://a.example") onclick="alert(1))')).toEqual([
      text("[x]("),
      { type: "link", href: "https://a.example/", text: "https://a.example" },
      text('") onclick="alert(1))'),
    ]);
  });

  it("finds mentions as the server does, outside code and links", () => {
    expect(parseInline("(@leo.martin) ask _@ana_, not ana@school.example or `@ben`")).toEqual([
      text("("),
      { type: "mention", name: "leo.martin", text: "@leo.martin" },
      text(") ask "),
      // A mention inside formatting is still a mention, as the server reads it.
      { type: "em", children: [{ type: "mention", name: "ana", text: "@ana" }] },
      text(", not ana@school.example or "),
      { type: "code", text: "@ben" },
    ]);
    expect(parseInline("**see @ana**")).toEqual([
      { type: "strong", children: [text("see "), { type: "mention", name: "ana", text: "@ana" }] },
    ]);
  });
});

describe("parseMarkdown: blocks", () => {
  it("reads bulleted and numbered lists, with their continuation lines", () => {
    expect(parseMarkdown("Bring:\n- boots\n* a **coat**\n  and a hat\nThanks")).toEqual([
      paragraph(text("Bring:")),
      {
        type: "list",
        ordered: false,
        start: 1,
        items: [
          [text("boots")],
          [text("a "), { type: "strong", children: [text("coat")] }, text("\nand a hat")],
        ],
      },
      paragraph(text("Thanks")),
    ]);
    expect(parseMarkdown("3. three\n4) four")).toEqual([
      { type: "list", ordered: true, start: 3, items: [[text("three")], [text("four")]] },
    ]);
    // Inside a paragraph, only a list from 1 starts.
    expect(parseMarkdown("We came\n2. in the race")).toEqual([paragraph(text("We came\n2. in the race"))]);
  });

  it("reads fenced code verbatim, and leaves an unclosed fence as text", () => {
    expect(parseMarkdown("Try:\n```js\nconst a = **b**;\n<b>hi</b>\n```\ndone")).toEqual([
      paragraph(text("Try:")),
      { type: "code", text: "const a = **b**;\n<b>hi</b>" },
      paragraph(text("done")),
    ]);
    expect(parseMarkdown("````\n```\n````")).toEqual([{ type: "code", text: "```" }]);
    expect(parseMarkdown("```\nnever closed")).toEqual([paragraph(text("```\nnever closed"))]);
  });

  it("reads quotes, with lists inside but no quote in a quote", () => {
    expect(parseMarkdown("> Ms Haddad said\n> - bring **lunch**\n>> twice\nOK")).toEqual([
      {
        type: "quote",
        children: [
          paragraph(text("Ms Haddad said")),
          {
            type: "list",
            ordered: false,
            start: 1,
            items: [[text("bring "), { type: "strong", children: [text("lunch")] }]],
          },
          paragraph(text("> twice")),
        ],
      },
      paragraph(text("OK")),
    ]);
  });
});

describe("markdownToPlain", () => {
  it("drops the markers for previews", () => {
    expect(markdownToPlain("**Trip** on _Friday_:\n- boots\n- `coat`")).toBe(
      "Trip on Friday:\n• boots\n• coat",
    );
    expect(markdownToPlain("<b>as typed</b>")).toBe("<b>as typed</b>");
  });
});

describe("hostile input", () => {
  it("never throws, never links anything but http(s), and keeps plain text as typed", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme-ascii", maxLength: 300 }), (input) => {
        const blocks = parseMarkdown(input);
        for (const node of walk(blocks))
          if (node.type === "link") expect(node.href).toMatch(/^https?:\/\/[^/]/);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[a-zA-Z0-9 ,.!?'"<>=()/\n]{1,200}$/), (input) => {
        // Blank lines, and lines that start a list or a quote (indented or not), are blocks.
        if (input.trim() === "" || /^\s|\s$|\n\s*\n|^\d|\n\s*\d|^>|\n\s*>/.test(input)) return;
        expect(parseMarkdown(input)).toEqual([paragraph(text(input))]);
      }),
      { numRuns: 1000 },
    );
  });

  it("stays fast on huge inputs built to make parsers backtrack", () => {
    const inputs = [
      "**a ".repeat(50_000),
      "*a _b ~~c `d ".repeat(20_000),
      "`".repeat(1) + " x ``".repeat(40_000),
      "```x\n".repeat(40_000),
      "````x\n".repeat(20_000) + "```\n".repeat(20_000),
      "> - > * 1. ".repeat(20_000),
      `https://a.example/${"(".repeat(100_000)}${")".repeat(100_000)}`,
      "@a ".repeat(60_000),
      "_".repeat(200_000),
      "a_b ".repeat(50_000),
      "**a** ".repeat(40_000),
      "- a\n".repeat(50_000),
      "https://a.example/ ".repeat(10_000),
    ];
    for (const input of inputs) {
      const started = performance.now();
      parseMarkdown(input);
      expect(performance.now() - started, input.slice(0, 20)).toBeLessThan(1000);
    }
  });
});
