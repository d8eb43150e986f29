import { HallwayClientError } from "@hallway/client";
import { describe, expect, it } from "vitest";
import {
  describeType,
  formatBytes,
  formatDuration,
  messageSummary,
  uploadErrorMessage,
} from "./attachments.ts";

describe("attachments in words", () => {
  it("formats sizes, lengths and types", () => {
    expect([formatBytes(820), formatBytes(12_345), formatBytes(3_400_000), formatBytes(2_000_000)]).toEqual([
      "820 bytes",
      "12 KB",
      "3.4 MB",
      "2 MB",
    ]);
    expect([formatDuration(7_400), formatDuration(750_000)]).toEqual(["0:07", "12:30"]);
    expect(describeType("application/pdf")).toBe("PDF document");
    expect(describeType("image/png")).toBe("PNG image");
    expect(describeType("audio/webm")).toBe("WEBM audio");
    expect(describeType("application/octet-stream", "notes.odp")).toBe("ODP file");
  });

  it("sums up a message without text by what it carries", () => {
    const photo = { kind: "image" as const, name: "IMG_1.png" };
    const note = { kind: "audio" as const, name: "Voice note 2025-03-14 09.05.webm" };
    const attachments = (list: object[]) => list as Parameters<typeof messageSummary>[0]["attachments"];
    expect(messageSummary({ text: "", deleted: false, attachments: attachments([photo]) })).toBe("Photo");
    expect(messageSummary({ text: "", deleted: false, attachments: attachments([note, photo]) })).toBe(
      "Voice note and 1 more",
    );
    expect(messageSummary({ text: "", deleted: true, attachments: attachments([]) })).toBe(
      "This message was deleted",
    );
  });

  it("says why an upload was refused", () => {
    const refusal = (code: string, details?: unknown) => new HallwayClientError(code, code, details, 400);
    expect(uploadErrorMessage(refusal("FILE_TOO_LARGE", { maxBytes: 25_000_000 }), "scan.pdf")).toBe(
      "scan.pdf is too big: files can be up to 25 MB.",
    );
    expect(uploadErrorMessage(refusal("FILE_TYPE_REFUSED"), "game.exe")).toBe(
      "game.exe can't be sent: the school doesn't accept this type of file.",
    );
    expect(uploadErrorMessage(refusal("UPLOAD_QUOTA_EXCEEDED"), "x")).toMatch(
      /as much as the school allows today/,
    );
  });
});
