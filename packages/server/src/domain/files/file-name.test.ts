import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { contentDisposition, displayFileName, extensionOf, MAX_FILE_NAME_LENGTH } from "./file-name.ts";

describe("displayFileName", () => {
  it("keeps the last part of a path, from any operating system", () => {
    expect(displayFileName("C:\\Users\\sam\\Desktop\\essay.pdf", ["pdf"])).toBe("essay.pdf");
    expect(displayFileName("../../etc/passwd.txt", ["txt"])).toBe("passwd.txt");
    expect(displayFileName("/", ["txt"])).toBe("file.txt");
  });

  it("removes control and invisible formatting characters, and spaces and dots at the ends", () => {
    expect(displayFileName("invoice\u202Efdp.exe", ["pdf"])).toBe("invoicefdp.exe.pdf");
    expect(displayFileName(" \u0000re\tport\u0007 .pdf", ["pdf"])).toBe("report .pdf");
    expect(displayFileName("...hidden..", ["txt"])).toBe("hidden.txt");
    // Emoji sequences keep their joiner.
    expect(displayFileName("👩‍🏫 notes.txt", ["txt"])).toBe("👩‍🏫 notes.txt");
  });

  it("ends with an extension of the detected type, as the person wrote it", () => {
    expect(displayFileName("IMG_0042.JPG", ["jpg", "jpeg"])).toBe("IMG_0042.JPG");
    expect(displayFileName("photo", ["jpg", "jpeg"])).toBe("photo.jpg");
    expect(displayFileName("run.bat", ["txt"])).toBe("run.bat.txt");
    expect(displayFileName("", ["png"])).toBe("file.png");
    expect(displayFileName("notes.txt", [])).toBe("notes.txt");
  });

  it("is at most MAX_FILE_NAME_LENGTH characters, keeping its extension", () => {
    const name = displayFileName(`${"ü".repeat(500)}.docx`, ["docx"]);
    expect([...name]).toHaveLength(MAX_FILE_NAME_LENGTH);
    expect(name.endsWith("ü.docx")).toBe(true);
    expect([...displayFileName("😀".repeat(300), ["txt"])]).toHaveLength(MAX_FILE_NAME_LENGTH);
  });

  it("always gives a short, clean, non-empty name with an allowed extension (property)", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 400 }),
        fc.constantFrom(["pdf"], ["jpg", "jpeg"]),
        (raw, exts) => {
          const name = displayFileName(raw, exts);
          expect(name.length).toBeGreaterThan(0);
          expect([...name].length).toBeLessThanOrEqual(MAX_FILE_NAME_LENGTH);
          expect(name).not.toMatch(/[/\\\p{Cc}]/u);
          expect(exts).toContain(extensionOf(name));
          expect(displayFileName(name, exts)).toBe(name);
        },
      ),
    );
  });
});

describe("contentDisposition", () => {
  it("gives the UTF-8 name percent-encoded, and an ASCII fallback", () => {
    expect(contentDisposition("attachment", 'Résumé "final" (2).pdf')).toBe(
      `attachment; filename="R_sum_ _final_ (2).pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22%20%282%29.pdf`,
    );
    expect(contentDisposition("inline", "100%.png")).toBe(
      `inline; filename="100_.png"; filename*=UTF-8''100%25.png`,
    );
  });
});
