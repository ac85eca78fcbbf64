import { ApiClient, query } from "../api";

/** The admin API (src/Groundwork.Api/Admin), same origin as the console: both sit behind the sign-in. */
export interface AdminUser {
  email: string | null;
  subject: string | null;
}

export interface AdminLink {
  slug: string;
  url: string;
  createdAt: string;
  disabled: boolean;
  clicks: number;
}

export interface Paged<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  slug: string;
  before: unknown;
  after: unknown;
}

export interface LinkSearch {
  slug?: string;
  q?: string;
  page?: number;
  pageSize?: number;
}

export class AdminApi {
  constructor(private readonly api: ApiClient) {}

  me(): Promise<AdminUser> {
    return this.api.get<AdminUser>("/admin/api/me");
  }

  links(search: LinkSearch): Promise<Paged<AdminLink>> {
    return this.api.get<Paged<AdminLink>>(`/admin/api/links${query({ slug: search.slug, q: search.q, page: search.page, pageSize: search.pageSize })}`);
  }

  setDisabled(slug: string, disabled: boolean): Promise<AdminLink> {
    return this.api.post<AdminLink>(`/admin/api/links/${encodeURIComponent(slug)}/${disabled ? "disable" : "enable"}`);
  }

  remove(slug: string): Promise<void> {
    return this.api.delete(`/admin/api/links/${encodeURIComponent(slug)}`);
  }

  audit(page: number): Promise<Paged<AuditEntry>> {
    return this.api.get<Paged<AuditEntry>>(`/admin/api/audit${query({ page })}`);
  }
}

/** "disabled: false → true" for the fields that changed; "deleted" / "created" when one side is missing. */
export function describeChange(before: unknown, after: unknown): string {
  const record = (v: unknown): Record<string, unknown> | null => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null);
  const b = record(before);
  const a = record(after);
  if (b && !a) return "deleted";
  if (!b && a) return "created";
  if (!b || !a) return "";
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  const changes = keys.filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k])).map((k) => `${k}: ${String(b[k])} → ${String(a[k])}`);
  return changes.length > 0 ? changes.join(", ") : "no change";
}

/** "1–50 of 123" for the pager. */
export function pageSummary(page: number, pageSize: number, itemCount: number, total: number): string {
  if (total === 0 || itemCount === 0) return "No results";
  const first = (page - 1) * pageSize + 1;
  return `${first}–${first + itemCount - 1} of ${total}`;
}
