import { describe, expect, it } from "vitest";
import {
  classifyDetected,
  mediaVerdict,
  refusedText,
  servedContentType,
  textType,
  thumbnailMimeOf,
} from "./file-types.ts";

describe("classifyDetected", () => {
  it("accepts the allowlist, each with what is still to check", () => {
    expect(classifyDetected("image/jpeg", "jpg")).toMatchObject({
      verdict: "accept",
      type: { kind: "image" },
      check: "image",
    });
    expect(classifyDetected("audio/mpeg", "")).toMatchObject({
      type: { mime: "audio/mpeg", kind: "audio" },
      check: "audio",
    });
    expect(classifyDetected("audio/x-m4a", "")).toMatchObject({
      type: { mime: "audio/mp4" },
      check: "audio",
    });
    expect(classifyDetected("audio/ogg; codecs=opus", "")).toMatchObject({ type: { mime: "audio/ogg" } });
    expect(classifyDetected("application/pdf", "exe")).toMatchObject({
      type: { mime: "application/pdf", kind: "file" },
      check: "none",
    });
  });

  it("takes a recording's container (webm, mp4) for audio only once its tracks say so", () => {
    expect(classifyDetected("video/webm", "webm")).toMatchObject({
      type: { mime: "audio/webm", kind: "audio" },
      check: "media",
    });
    expect(mediaVerdict({ hasAudio: true, hasVideo: false }, "video/webm")).toEqual({ verdict: "accept" });
    expect(mediaVerdict({ hasAudio: true, hasVideo: true }, "video/webm")).toEqual({
      verdict: "refuse",
      detected: "video/webm",
    });
    expect(mediaVerdict({ hasAudio: false, hasVideo: false }, "video/mp4")).toEqual({
      verdict: "refuse",
      detected: "video/mp4",
    });
  });

  it("refuses programs, archives, SVG-ish XML, macro documents and the unknown", () => {
    for (const detected of [
      "application/x-msdownload",
      "application/x-elf",
      "application/x-mach-binary",
      "application/zip",
      "application/xml",
      "application/vnd.ms-word.document.macroenabled.12",
      "image/heic",
      "video/quicktime",
    ])
      expect(classifyDetected(detected, "pdf")).toEqual({ verdict: "refuse", detected });
    expect(classifyDetected(undefined, "exe")).toEqual({ verdict: "maybe-text" });
  });

  it("tells old Office files from other CFB containers (installers) by their name", () => {
    expect(classifyDetected("application/x-cfb", "doc")).toMatchObject({
      type: { mime: "application/msword" },
    });
    expect(classifyDetected("application/x-cfb", "xls")).toMatchObject({
      type: { mime: "application/vnd.ms-excel" },
    });
    expect(classifyDetected("application/x-cfb", "msi")).toEqual({
      verdict: "refuse",
      detected: "application/x-cfb",
    });
  });
});

describe("refusedText", () => {
  it("finds SVG, however it starts, and scripts", () => {
    expect(refusedText('<svg xmlns="http://www.w3.org/2000/svg"/>')).toBe("image/svg+xml");
    expect(refusedText('\uFEFF  <!-- logo -->\n<!DOCTYPE svg>\n<SVG width="1">')).toBe("image/svg+xml");
    expect(refusedText('<html><body><svg xmlns="http://www.w3.org/2000/svg"></svg>')).toBe("image/svg+xml");
    expect(refusedText("#!/usr/bin/env python\nprint(1)")).toBe("text/x-script");
  });

  it("lets ordinary text through, angle brackets and all", () => {
    expect(refusedText("Dear parents,\n<b>Trip</b> on Friday. 3 < 4.")).toBeNull();
    expect(refusedText("name,mark\nSam,A")).toBeNull();
  });
});

describe("types as served", () => {
  it("text is UTF-8, CSV by its name; previews are JPEG for JPEGs and PNG otherwise", () => {
    expect(textType("csv").mime).toBe("text/csv");
    expect(textType("md").mime).toBe("text/plain");
    expect(servedContentType("text/csv")).toBe("text/csv; charset=utf-8");
    expect(servedContentType("application/pdf")).toBe("application/pdf");
    expect(thumbnailMimeOf("image/jpeg")).toBe("image/jpeg");
    expect(thumbnailMimeOf("image/gif")).toBe("image/png");
  });
});
