import type { Bucket, ClickSeries } from "./links";
import { parseUtc } from "./time";

/** Clicks over time as a bar chart drawn by hand in SVG: no chart library, a few hundred bytes of code. */

export interface Bar {
  at: Date;
  clicks: number;
}

export interface Scale {
  /** Top of the y axis (≥ the largest value, ≥ 1). */
  max: number;
  /** Gridline values from 0 to max, evenly spaced whole numbers. */
  ticks: number[];
}

export function bucketMs(bucket: Bucket): number {
  return bucket === "minute" ? 60_000 : bucket === "hour" ? 3_600_000 : 86_400_000;
}

/** Start of the UTC bucket holding `time` (the API groups in UTC). */
export function floorToBucket(time: number, bucket: Bucket): number {
  const width = bucketMs(bucket);
  return Math.floor(time / width) * width;
}

/**
 * Every bucket of the series' range, zeros included: the API only returns buckets that have clicks, but a chart
 * without the empty buckets would squeeze time.
 */
export function fillSeries(series: Pick<ClickSeries, "bucket" | "from" | "to" | "points">): Bar[] {
  const width = bucketMs(series.bucket);
  const from = floorToBucket(parseUtc(series.from).getTime(), series.bucket);
  const to = parseUtc(series.to).getTime();
  const byStart = new Map<number, number>();
  for (const p of series.points) {
    const start = floorToBucket(parseUtc(p.at).getTime(), series.bucket);
    byStart.set(start, (byStart.get(start) ?? 0) + p.clicks);
  }
  const bars: Bar[] = [];
  if (!Number.isFinite(from) || !Number.isFinite(to)) return bars;
  for (let t = from; t < to && bars.length < 5000; t += width) {
    bars.push({ at: new Date(t), clicks: byStart.get(t) ?? 0 });
  }
  return bars;
}

/** A y axis with whole-number ticks at a 1-2-5 step, at most `maxTicks` intervals, never shorter than 1. */
export function niceScale(maxValue: number, maxTicks = 4): Scale {
  const top = Math.max(1, Math.ceil(Number.isFinite(maxValue) ? maxValue : 0));
  const raw = top / maxTicks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude);
  const max = Math.ceil(top / step) * step;
  const ticks: number[] = [];
  for (let v = 0; v <= max; v += step) ticks.push(v);
  return { max, ticks };
}

export interface Plot {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export interface BarRect {
  x: number;
  y: number;
  width: number;
  height: number;
  bar: Bar;
}

/** Where each bar goes in the plot area; bars keep a 1-unit gap while they are wide enough for one. */
export function layoutBars(bars: readonly Bar[], scale: Scale, plot: Plot): BarRect[] {
  const innerWidth = plot.width - plot.left - plot.right;
  const innerHeight = plot.height - plot.top - plot.bottom;
  const slot = bars.length === 0 ? 0 : innerWidth / bars.length;
  const gap = slot > 3 ? 1 : 0;
  return bars.map((bar, i) => {
    const h = (bar.clicks / scale.max) * innerHeight;
    return {
      x: plot.left + i * slot + gap / 2,
      y: plot.top + innerHeight - h,
      width: Math.max(0, slot - gap),
      height: h,
      bar,
    };
  });
}

/** Label spacing in buckets: round times (every 10 minutes, 4 hours, 5 days) instead of wherever the range starts. */
const LABEL_EVERY: Record<Bucket, number> = { minute: 10, hour: 4, day: 5 };

/** Indexes of the bars that get an x-axis label: those starting at a round time (in UTC bucket counts). */
export function labelIndexes(bars: readonly Bar[], bucket: Bucket): number[] {
  const every = LABEL_EVERY[bucket];
  const width = bucketMs(bucket);
  const result: number[] = [];
  bars.forEach((bar, i) => {
    if (Math.round(bar.at.getTime() / width) % every === 0) result.push(i);
  });
  return result;
}

export function formatBucket(at: Date, bucket: Bucket, locale?: string): string {
  const options: Intl.DateTimeFormatOptions =
    bucket === "day" ? { month: "short", day: "numeric" } : { hour: "numeric", minute: "2-digit" };
  return new Intl.DateTimeFormat(locale, options).format(at);
}

const SVG = "http://www.w3.org/2000/svg";

function svg<K extends keyof SVGElementTagNameMap>(name: K, attributes: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/** The chart as an SVG element (styled by CSS classes; no inline styles, which the CSP forbids). */
export function renderChart(bars: readonly Bar[], bucket: Bucket, title: string, availableWidth = 640): SVGSVGElement {
  // Drawn at the width it is shown at (320–640 units), so its text stays readable on a phone.
  const width = Math.round(Math.min(640, Math.max(320, availableWidth || 640)));
  const plot: Plot = { width, height: 240, left: 40, right: 8, top: 12, bottom: 28 };
  const scale = niceScale(Math.max(0, ...bars.map((b) => b.clicks)));
  const root = svg("svg", { viewBox: `0 0 ${plot.width} ${plot.height}`, class: "chart", role: "img", "aria-label": title });
  root.append(svg("title", {}, title));
  const innerHeight = plot.height - plot.top - plot.bottom;
  for (const tick of scale.ticks) {
    const y = plot.top + innerHeight - (tick / scale.max) * innerHeight;
    root.append(svg("line", { x1: plot.left, x2: plot.width - plot.right, y1: y, y2: y, class: "grid" }));
    root.append(svg("text", { x: plot.left - 6, y: y + 4, class: "tick tick-y" }, String(tick)));
  }
  for (const rect of layoutBars(bars, scale, plot)) {
    if (rect.height <= 0) continue;
    const bar = svg("rect", { x: rect.x, y: rect.y, width: rect.width, height: rect.height, class: "bar" });
    bar.append(svg("title", {}, `${formatBucket(rect.bar.at, bucket)}: ${rect.bar.clicks} click${rect.bar.clicks === 1 ? "" : "s"}`));
    root.append(bar);
  }
  const slot = bars.length === 0 ? 0 : (plot.width - plot.left - plot.right) / bars.length;
  // Round-time labels, thinned out until neighbours are at least 64 units apart.
  const labels = labelIndexes(bars, bucket);
  const gap = labels.length > 1 ? (labels[1]! - labels[0]!) * slot : Infinity;
  const keepEvery = Math.max(1, Math.ceil(64 / gap));
  for (const i of labels.filter((_, n) => n % keepEvery === 0)) {
    root.append(svg("text", { x: plot.left + i * slot + slot / 2, y: plot.height - 8, class: "tick tick-x" }, formatBucket(bars[i]!.at, bucket)));
  }
  root.append(svg("line", { x1: plot.left, x2: plot.width - plot.right, y1: plot.top + innerHeight, y2: plot.top + innerHeight, class: "axis" }));
  return root;
}
