import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ERROR_CATALOGUE, type ErrorCode } from "@hallway/protocol";
import { describe, expect, it } from "vitest";
import { toHallwayError } from "../src/http/error-handler.ts";

/**
 * One error catalogue: every code the server can send is in packages/protocol's ERROR_CATALOGUE,
 * and every catalogue code is documented. The source is read as text, so a code that slips past
 * the type checker (an untyped literal in a WebSocket frame, a policy decision) is still caught.
 */

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const SERVER_SRC = path.join(ROOT, "packages/server/src");
const CODES = new Set(Object.keys(ERROR_CATALOGUE));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [full] : [];
  });
}

const sources = sourceFiles(SERVER_SRC).map((file) => ({
  file: path.relative(ROOT, file),
  text: readFileSync(file, "utf8"),
}));

/** Every match of a pattern's first group, with where it was found. */
function collect(pattern: RegExp, only?: (file: string) => boolean): { code: string; where: string }[] {
  const found: { code: string; where: string }[] = [];
  for (const { file, text } of sources) {
    if (only && !only(file)) continue;
    for (const match of text.matchAll(pattern)) {
      const line = text.slice(0, match.index).split("\n").length;
      found.push({ code: match[1]!, where: `${file}:${line}` });
    }
  }
  return found;
}

function notInCatalogue(found: { code: string; where: string }[]): string[] {
  return found.filter((f) => !CODES.has(f.code)).map((f) => `${f.code} (${f.where})`);
}

describe("codes used by the server", () => {
  it("finds the source to read", () => {
    expect(sources.length).toBeGreaterThan(20);
    expect(sources.map((s) => s.file)).toContain("packages/server/src/http/error-handler.ts");
  });

  it('every `new HallwayError("CODE", …)` uses a catalogue code', () => {
    const used = collect(/HallwayError\(\s*"([A-Za-z0-9_]+)"/g);
    expect(used.length).toBeGreaterThan(20);
    expect(notInCatalogue(used)).toEqual([]);
  });

  it("every code the HTTP error handler maps to is in the catalogue", () => {
    const mapped = collect(/:\s*"([A-Za-z0-9_]+)",?\s*$/gm, (f) => f.endsWith("http/error-handler.ts"));
    expect(mapped.map((m) => m.code)).toEqual(
      expect.arrayContaining([
        "MALFORMED_JSON",
        "PAYLOAD_TOO_LARGE",
        "UNSUPPORTED_MEDIA_TYPE",
        "RATE_LIMITED",
      ]),
    );
    expect(notInCatalogue(mapped)).toEqual([]);
  });

  it("every code compared against, or named in a policy decision, is in the catalogue", () => {
    const compared = collect(/[Hh]allwayError\b[^\n]*\.code\s*[!=]==\s*"([A-Za-z0-9_]+)"/g);
    const denied = collect(/\bdeny\([^;]*?,\s*"([A-Z][A-Z0-9_]*)"\s*,?\s*\)/g);
    const literals = collect(/\bcode:\s*"([A-Z][A-Z0-9_]*)"/g);
    expect(notInCatalogue([...compared, ...denied, ...literals])).toEqual([]);
  });

  it("no other code-like constant in the source is missing from the catalogue", () => {
    // Upper-case string literals that are not error codes. Add yours here, with what it is.
    const NOT_ERROR_CODES = [
      /^SIG[A-Z]+$/, // process signals
      /^E[A-Z]+$/, // errno codes (no underscore): EPERM, EADDRINUSE…
      /^(HS|RS|ES|PS)\d{3}$/, // JWT algorithms
      /^NFK?[CD]$/, // Unicode normalisation forms
      /^[A-Z]$/, // single letters (the "C" locale)
      /^PG_[A-Z_]+$/, // PostgreSQL's own files and settings (PG_VERSION)
      /^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)$/, // HTTP methods
      /^UTF-?8$/, // encodings
      /^HALLWAY_[A-Z_]+$/, // Hallway's own environment variables
      /^FST_[A-Z_]+$/, // Fastify's and its plugins' own error codes (multipart), mapped to ours
    ];
    const literals = collect(/"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)"/g).filter(
      (l) => !NOT_ERROR_CODES.some((pattern) => pattern.test(l.code)),
    );
    expect(notInCatalogue(literals)).toEqual([]);
  });
});

describe("the catalogue itself", () => {
  it("names codes in SCREAMING_SNAKE_CASE with an error status and a one-sentence description", () => {
    for (const [code, { status, description }] of Object.entries(ERROR_CATALOGUE)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      expect(Number.isInteger(status) && status >= 400 && status <= 599, `${code} ${status}`).toBe(true);
      expect(description.length, code).toBeGreaterThan(10);
      expect(description, code).toMatch(/[.)]$/);
    }
  });

  it("keeps 5xx for the server's own trouble: a caller's mistake is never a 5xx", () => {
    const serverSide = Object.entries(ERROR_CATALOGUE)
      .filter(([, d]) => d.status >= 500)
      .map(([code]) => code)
      .sort();
    expect(serverSide).toEqual(["INTERNAL", "SERVICE_UNAVAILABLE"]);
  });

  it("the HTTP error handler keeps the status of what Fastify refused, under a catalogue code", () => {
    const fastifyError = (props: Record<string, unknown>) => Object.assign(new Error("refused"), props);
    const cases: [Record<string, unknown>, ErrorCode][] = [
      [{ code: "FST_ERR_CTP_INVALID_JSON_BODY", statusCode: 400 }, "MALFORMED_JSON"],
      [{ code: "FST_ERR_CTP_EMPTY_JSON_BODY", statusCode: 400 }, "MALFORMED_JSON"],
      [{ code: "FST_ERR_CTP_BODY_TOO_LARGE", statusCode: 413 }, "PAYLOAD_TOO_LARGE"],
      [{ code: "FST_ERR_CTP_INVALID_MEDIA_TYPE", statusCode: 415 }, "UNSUPPORTED_MEDIA_TYPE"],
      [{ statusCode: 401 }, "UNAUTHENTICATED"],
      [{ statusCode: 403 }, "FORBIDDEN"],
      [{ statusCode: 404 }, "ROUTE_NOT_FOUND"],
      [{ statusCode: 429 }, "RATE_LIMITED"],
      [{ statusCode: 418 }, "VALIDATION_FAILED"],
    ];
    for (const [props, code] of cases) {
      const error = toHallwayError(fastifyError(props) as never);
      expect(error.code, JSON.stringify(props)).toBe(code);
      expect(error.status).toBe(ERROR_CATALOGUE[code].status);
    }
  });

  it("anything unexpected becomes INTERNAL, with nothing internal in the message", () => {
    for (const thrown of [
      new Error('relation "users" does not exist at /srv/hallway/src/x.ts:12'),
      Object.assign(new Error("duplicate key value violates unique constraint"), { code: "23505" }),
      Object.assign(new Error("server exploded"), { statusCode: 502 }),
    ]) {
      const error = toHallwayError(thrown as never);
      expect(error.code).toBe("INTERNAL");
      expect(error.status).toBe(500);
      expect(JSON.stringify(error.toBody())).not.toMatch(/users|duplicate|exploded|\/srv/);
    }
  });
});

// The documentation half reads whichever of these exist; it switches itself on when the first of
// them is written, so whoever writes the docs is held to it from then on.
const DOCS = ["docs/errors.md", "docs/protocol.md"].map((f) => path.join(ROOT, f)).filter(existsSync);

describe("the documentation", () => {
  it.skipIf(DOCS.length === 0)(
    "documents every catalogue code, with its status where the line gives one (docs/errors.md or docs/protocol.md)",
    () => {
      const lines = DOCS.flatMap((file) => readFileSync(file, "utf8").split("\n"));
      const undocumented: string[] = [];
      const wrongStatus: string[] = [];
      for (const [code, { status }] of Object.entries(ERROR_CATALOGUE)) {
        const mentions = lines.filter((line) => new RegExp(`\\b${code}\\b`).test(line));
        if (mentions.length === 0) {
          undocumented.push(code);
          continue;
        }
        // A table row such as "| `TOKEN_EXPIRED` | 401 | …" must give the catalogue's status.
        const row = mentions.find((line) => line.trimStart().startsWith("|"));
        const documented = row?.match(/\|\s*(\d{3})\s*\|/)?.[1];
        if (documented && Number(documented) !== status)
          wrongStatus.push(`${code}: ${documented} ≠ ${status}`);
      }
      expect(undocumented).toEqual([]);
      expect(wrongStatus).toEqual([]);
    },
  );

  it.skipIf(!existsSync(path.join(ROOT, "README.md")))(
    "the README points to where the error codes are",
    () => {
      const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
      expect(readme).toMatch(/docs\/(protocol|errors)\.md/);
    },
  );
});
