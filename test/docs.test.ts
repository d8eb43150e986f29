import { readFileSync } from "node:fs";
import { ERROR_CODES } from "@hallway/protocol";
import { describe, expect, it } from "vitest";
import { PROTOCOL_DOC, README, renderProtocolDoc, renderReadme } from "../scripts/docs.ts";

describe("generated documentation", () => {
  it("docs/protocol.md says what packages/protocol defines (run `npm run docs` after changing it)", () => {
    expect(readFileSync(PROTOCOL_DOC, "utf8")).toBe(renderProtocolDoc());
  });

  it("documents every error code of the catalogue", () => {
    const doc = readFileSync(PROTOCOL_DOC, "utf8");
    const missing = ERROR_CODES.filter((code) => !doc.includes(`| \`${code}\` |`));
    expect(missing).toEqual([]);
  });

  it("the README's configuration table lists every variable the server reads (run `npm run docs`)", () => {
    const readme = readFileSync(README, "utf8");
    expect(readme).toBe(renderReadme(readme));
  });

  it("the README gives the two set-up commands", () => {
    const readme = readFileSync(README, "utf8");
    expect(readme).toContain("npm install && npm start");
    expect(readme).toContain("npm test");
  });
});
