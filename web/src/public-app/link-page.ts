import { ApiError } from "../api";
import { fillSeries, renderChart } from "../chart";
import { h } from "../dom";
import type { Bucket, ClickSeries, LinkStats, LinksApi } from "../links";
import { formatDateTime } from "../time";

const BUCKETS: readonly { value: Bucket; label: string; range: string }[] = [
  { value: "minute", label: "Minute", range: "last hour" },
  { value: "hour", label: "Hour", range: "last 24 hours" },
  { value: "day", label: "Day", range: "last 30 days" },
];

/** How often an open stats page refreshes itself (clicks are flushed to the database every few seconds). */
const AUTO_REFRESH_MS = 15_000;

function bucketFromQuery(search: string): Bucket {
  const value = new URLSearchParams(search).get("bucket");
  return value === "hour" || value === "day" ? value : "minute";
}

/** The link page /s/<slug>: target, creation date, total clicks and a chart of clicks over time. */
export function startLinkPage(view: HTMLElement, links: LinksApi, slug: string, shortUrlBase: string): void {
  let bucket = bucketFromQuery(location.search);
  document.title = `/${slug} – Groundwork`;

  const heading = h("h1", { id: "link-title" }, "Link ", h("code", {}, `/${slug}`));
  const summary = h("div", { class: "card", "aria-live": "polite", "aria-busy": "true" }, h("p", {}, "Loading…"));
  const chartHeading = h("h2", { id: "chart-title" }, "Clicks over time");
  const switcher = h("fieldset", { class: "bucket-switch" }, h("legend", {}, "Group clicks by"));
  for (const option of BUCKETS) {
    const id = `bucket-${option.value}`;
    const input = h("input", { type: "radio", name: "bucket", id, value: option.value, checked: option.value === bucket });
    input.addEventListener("change", () => {
      bucket = option.value;
      const url = new URL(location.href);
      url.searchParams.set("bucket", bucket);
      history.replaceState(null, "", url);
      void loadSeries();
    });
    switcher.append(h("span", { class: "bucket-option" }, input, h("label", { for: id }, option.label)));
  }
  const refresh = h("button", { type: "button", class: "refresh" }, "Refresh");
  refresh.addEventListener("click", () => void loadAll());
  const chartBox = h("div", { class: "chart-box", "aria-live": "polite" });
  const chartCard = h("section", { class: "card", "aria-labelledby": "chart-title" }, h("div", { class: "chart-head" }, chartHeading, refresh), switcher, chartBox);
  view.replaceChildren(heading, summary, chartCard);
  view.hidden = false;

  async function loadStats(): Promise<boolean> {
    try {
      const stats = await links.stats(slug);
      renderSummary(stats);
      return true;
    } catch (error) {
      renderFailure(error);
      return false;
    }
  }

  function renderSummary(stats: LinkStats): void {
    const short = `${shortUrlBase}/${stats.slug}`;
    summary.replaceChildren(
      h("dl", { class: "facts" },
        h("dt", {}, "Short link"), h("dd", {}, h("a", { href: short, "data-testid": "stats-short-url" }, short)),
        h("dt", {}, "Goes to"), h("dd", {}, h("a", { href: stats.url, rel: "noopener noreferrer nofollow", class: "url", "data-testid": "target-url" }, stats.url)),
        h("dt", {}, "Created"), h("dd", {}, h("time", { datetime: stats.createdAt }, formatDateTime(stats.createdAt))),
        h("dt", {}, "Total clicks"), h("dd", { class: "total", "data-testid": "total-clicks" }, String(stats.clicks)),
        stats.disabled ? h("dt", {}, "Status") : null,
        stats.disabled ? h("dd", { class: "disabled-badge" }, "Disabled: this link answers 410 Gone") : null,
      ),
    );
    summary.setAttribute("aria-busy", "false");
  }

  function renderFailure(error: unknown): void {
    const notFound = error instanceof ApiError && error.kind === "not-found";
    heading.textContent = notFound ? "Link not found" : "Could not load this link";
    summary.replaceChildren(
      h("p", { role: "alert" }, notFound ? `There is no link /${slug}.` : error instanceof Error ? error.message : "Unknown error."),
      h("p", {}, h("a", { href: "/" }, "Shorten a link")),
    );
    summary.setAttribute("aria-busy", "false");
    chartCard.hidden = true;
  }

  async function loadSeries(): Promise<void> {
    chartBox.setAttribute("aria-busy", "true");
    try {
      const series = await links.clicks(slug, bucket);
      renderSeries(series);
    } catch (error) {
      chartBox.replaceChildren(h("p", { role: "alert" }, error instanceof Error ? error.message : "Could not load the clicks."));
    } finally {
      chartBox.setAttribute("aria-busy", "false");
    }
  }

  function renderSeries(series: ClickSeries): void {
    const bars = fillSeries(series);
    const range = BUCKETS.find((b) => b.value === series.bucket)?.range ?? "";
    const title = `${series.total} click${series.total === 1 ? "" : "s"} in the ${range}, per ${series.bucket}`;
    const rows = bars.filter((b) => b.clicks > 0);
    const table = h("table", {},
      h("caption", {}, `Clicks per ${series.bucket} (buckets with clicks)`),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "From"), h("th", { scope: "col" }, "Clicks"))),
      h("tbody", {}, ...rows.map((b) => h("tr", {}, h("td", {}, formatDateTime(b.at)), h("td", {}, String(b.clicks))))),
    );
    chartBox.replaceChildren(
      h("p", { class: "chart-caption", "data-testid": "series-total" }, title),
      renderChart(bars, series.bucket, title, chartBox.clientWidth),
      h("details", {}, h("summary", {}, "Show as a table"), rows.length > 0 ? table : h("p", {}, "No clicks in this range.")),
    );
  }

  async function loadAll(): Promise<void> {
    if (await loadStats()) await loadSeries();
  }

  void loadAll();
  window.setInterval(() => {
    if (document.visibilityState === "visible" && !chartCard.hidden) void loadAll();
  }, AUTO_REFRESH_MS);
}
