import { describe, expect, it } from "vitest";
import { formatWait, parseRetryAfter, retryMessage } from "../src/retry-after";

const now = new Date("2026-03-01T10:00:00Z");

describe("parseRetryAfter", () => {
  it("reads delay-seconds", () => {
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter(" 120 ", now)).toBe(120);
  });

  it("reads an HTTP-date and rounds up", () => {
    expect(parseRetryAfter("Sun, 01 Mar 2026 10:00:30 GMT", now)).toBe(30);
  });

  it("never goes below zero for a date in the past", () => {
    expect(parseRetryAfter("Sun, 01 Mar 2026 09:00:00 GMT", now)).toBe(0);
  });

  it("is null when absent or unreadable", () => {
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter("", now)).toBeNull();
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter("-5", now)).toBeNull();
  });
});

describe("formatWait", () => {
  it.each([
    [0, "now"],
    [1, "in 1 second"],
    [45, "in 45 seconds"],
    [60, "in 1 minute"],
    [90, "in 1 minute 30 seconds"],
    [120, "in 2 minutes"],
    [3600, "in 1 hour"],
    [5400, "in 1 hour 30 minutes"],
    [0.2, "in 1 second"],
  ])("%f seconds → %s", (seconds, text) => {
    expect(formatWait(seconds)).toBe(text);
  });
});

describe("retryMessage", () => {
  it("says when to retry", () => {
    expect(retryMessage(30)).toBe("Too many links created from your address. You can try again in 30 seconds.");
    expect(retryMessage(null)).toMatch(/Wait a moment/);
  });
});
