/**
 * Retry-After (RFC 9110 §10.2.3) is either delay-seconds or an HTTP-date. Returns the wait in whole seconds from
 * `now` (never negative), or null when the header is absent or unreadable.
 */
export function parseRetryAfter(header: string | null, now: Date): number | null {
  if (header === null) return null;
  const value = header.trim();
  if (value === "") return null;
  if (/^\d+$/.test(value)) return Number.parseInt(value, 10);
  // An HTTP-date names its month ("Sun, 06 Nov 1994 08:49:37 GMT"); anything else (e.g. "-5") is not one.
  if (!/[A-Za-z]{3}/.test(value)) return null;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

/** "in 1 second", "in 45 seconds", "in 2 minutes", "in 1 minute 30 seconds", "in 2 hours"; 0 → "now". */
export function formatWait(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s === 0) return "now";
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  if (s < 60) return `in ${plural(s, "second")}`;
  if (s < 3600) {
    const minutes = Math.floor(s / 60);
    const rest = s % 60;
    return rest === 0 ? `in ${plural(minutes, "minute")}` : `in ${plural(minutes, "minute")} ${plural(rest, "second")}`;
  }
  const hours = Math.floor(s / 3600);
  const minutes = Math.round((s % 3600) / 60);
  return minutes === 0 ? `in ${plural(hours, "hour")}` : `in ${plural(hours, "hour")} ${plural(minutes, "minute")}`;
}

/** The sentence shown on a 429: when the user may try again. */
export function retryMessage(seconds: number | null): string {
  return seconds === null
    ? "Too many links created from your address. Wait a moment and try again."
    : `Too many links created from your address. You can try again ${formatWait(seconds)}.`;
}
