import { describe, expect, it } from "vitest";
import { describeChange, pageSummary } from "../src/admin/admin-api";
import { readConfig } from "../src/config";
import { parseUtc } from "../src/time";

describe("describeChange", () => {
  it("lists the fields that changed", () => {
    expect(describeChange({ url: "https://a", disabled: false }, { url: "https://a", disabled: true })).toBe("disabled: false → true");
  });

  it("names deletions and creations", () => {
    expect(describeChange({ url: "https://a" }, null)).toBe("deleted");
    expect(describeChange(null, { url: "https://a" })).toBe("created");
  });
});

describe("pageSummary", () => {
  it("counts from the page's first item", () => {
    expect(pageSummary(1, 20, 20, 45)).toBe("1–20 of 45");
    expect(pageSummary(3, 20, 5, 45)).toBe("41–45 of 45");
    expect(pageSummary(1, 20, 0, 0)).toBe("No results");
  });
});

describe("readConfig", () => {
  it("defaults to the same origin and the edge's sign-out", () => {
    expect(readConfig(undefined)).toEqual({ apiBaseUrl: "", signOutUrl: "/_edge/signout" });
  });

  it("trims a trailing slash from the API base", () => {
    expect(readConfig({ apiBaseUrl: "https://api.example.com/" }).apiBaseUrl).toBe("https://api.example.com");
  });
});

describe("parseUtc", () => {
  it("reads zone-less date-times as UTC and keeps explicit zones", () => {
    expect(parseUtc("2026-01-01T10:00:00").toISOString()).toBe("2026-01-01T10:00:00.000Z");
    expect(parseUtc("2026-01-01T10:00:00.123Z").toISOString()).toBe("2026-01-01T10:00:00.123Z");
    expect(parseUtc("2026-01-01T10:00:00+02:00").toISOString()).toBe("2026-01-01T08:00:00.000Z");
  });
});
