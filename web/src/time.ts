/**
 * The API writes UTC instants; those read back from MySQL DATETIME columns may lack the "Z". An ISO date-time
 * without an offset is therefore UTC here, never the browser's local time.
 */
export function parseUtc(value: string): Date {
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(value);
  const isDateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  return new Date(hasZone || isDateOnly ? value : `${value}Z`);
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function formatDateTime(value: string | Date): string {
  const date = typeof value === "string" ? parseUtc(value) : value;
  return Number.isNaN(date.getTime()) ? String(value) : dateTime.format(date);
}
