import { describe, expect, it } from "vitest";
import { fillSeries, floorToBucket, labelIndexes, layoutBars, niceScale } from "../src/chart";

describe("niceScale", () => {
  it("never has a zero-height axis", () => {
    expect(niceScale(0)).toEqual({ max: 1, ticks: [0, 1] });
  });

  it.each([
    [1, 1, [0, 1]],
    [3, 3, [0, 1, 2, 3]],
    [7, 8, [0, 2, 4, 6, 8]],
    [10, 10, [0, 5, 10]],
    [13, 15, [0, 5, 10, 15]],
    [99, 100, [0, 50, 100]],
    [1234, 1500, [0, 500, 1000, 1500]],
  ])("max %i → top %i", (value, top, ticks) => {
    const scale = niceScale(value);
    expect(scale.max).toBe(top);
    expect(scale.ticks).toEqual(ticks);
    expect(scale.max).toBeGreaterThanOrEqual(value);
    expect(scale.ticks.every((t) => Number.isInteger(t))).toBe(true);
    expect(scale.ticks.length - 1).toBeLessThanOrEqual(5);
  });

  it("treats garbage as zero", () => {
    expect(niceScale(Number.NaN).max).toBe(1);
    expect(niceScale(-3).max).toBe(1);
  });
});

describe("fillSeries", () => {
  it("fills every minute of the range with zeros where the API sent nothing", () => {
    const bars = fillSeries({
      bucket: "minute",
      from: "2026-01-01T10:00:30Z",
      to: "2026-01-01T10:05:00Z",
      points: [{ at: "2026-01-01T10:02:00Z", clicks: 3 }],
    });
    expect(bars.map((b) => b.at.toISOString())).toEqual([
      "2026-01-01T10:00:00.000Z",
      "2026-01-01T10:01:00.000Z",
      "2026-01-01T10:02:00.000Z",
      "2026-01-01T10:03:00.000Z",
      "2026-01-01T10:04:00.000Z",
    ]);
    expect(bars.map((b) => b.clicks)).toEqual([0, 0, 3, 0, 0]);
  });

  it("reads instants without a zone as UTC (as the API writes them)", () => {
    const bars = fillSeries({ bucket: "hour", from: "2026-01-01T00:00:00", to: "2026-01-01T03:00:00", points: [{ at: "2026-01-01T01:00:00", clicks: 2 }] });
    expect(bars.map((b) => b.clicks)).toEqual([0, 2, 0]);
    expect(bars[1]!.at.toISOString()).toBe("2026-01-01T01:00:00.000Z");
  });

  it("buckets days in UTC", () => {
    const bars = fillSeries({ bucket: "day", from: "2026-01-01T12:00:00Z", to: "2026-01-04T00:00:00Z", points: [{ at: "2026-01-03T00:00:00Z", clicks: 5 }] });
    expect(bars.map((b) => b.clicks)).toEqual([0, 0, 5]);
  });

  it("is empty for an empty or broken range", () => {
    expect(fillSeries({ bucket: "minute", from: "2026-01-01T10:00:00Z", to: "2026-01-01T10:00:00Z", points: [] })).toEqual([]);
    expect(fillSeries({ bucket: "minute", from: "nonsense", to: "2026-01-01T10:00:00Z", points: [] })).toEqual([]);
  });
});

describe("layoutBars", () => {
  const plot = { width: 120, height: 110, left: 10, right: 10, top: 5, bottom: 5 };

  it("scales heights to the axis and keeps bars inside the plot", () => {
    const bars = [0, 5, 10].map((clicks, i) => ({ at: new Date(i * 60_000), clicks }));
    const rects = layoutBars(bars, { max: 10, ticks: [0, 5, 10] }, plot);
    expect(rects.map((r) => r.height)).toEqual([0, 50, 100]);
    expect(rects.map((r) => r.y)).toEqual([105, 55, 5]);
    expect(rects[0]!.x).toBeGreaterThanOrEqual(plot.left);
    const last = rects[2]!;
    expect(last.x + last.width).toBeLessThanOrEqual(plot.width - plot.right);
  });

  it("handles no bars", () => {
    expect(layoutBars([], { max: 1, ticks: [0, 1] }, plot)).toEqual([]);
  });
});

describe("labelIndexes and floorToBucket", () => {
  it("labels bars that start at round times", () => {
    const minutes = Array.from({ length: 60 }, (_, i) => ({ at: new Date(Date.UTC(2026, 0, 1, 10, 3 + i)), clicks: 0 }));
    expect(labelIndexes(minutes, "minute").map((i) => minutes[i]!.at.toISOString().slice(11, 16))).toEqual(["10:10", "10:20", "10:30", "10:40", "10:50", "11:00"]);
    const hours = Array.from({ length: 24 }, (_, i) => ({ at: new Date(Date.UTC(2026, 0, 1, 1 + i)), clicks: 0 }));
    expect(labelIndexes(hours, "hour").map((i) => hours[i]!.at.getUTCHours())).toEqual([4, 8, 12, 16, 20, 0]);
    expect(labelIndexes([], "day")).toEqual([]);
  });

  it("floors to the bucket start", () => {
    expect(floorToBucket(Date.UTC(2026, 0, 1, 10, 59, 59), "hour")).toBe(Date.UTC(2026, 0, 1, 10));
  });
});
