/** RFC 9457 problem details as the API sends them, and what the UI makes of them. */
export interface ProblemDetails {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  instance?: string;
  /** ASP.NET Core validation problems: field name → messages. */
  errors?: Record<string, string[]>;
}

export function isProblemContentType(contentType: string | null): boolean {
  if (!contentType) return false;
  const media = contentType.split(";")[0]!.trim().toLowerCase();
  return media === "application/problem+json" || media === "application/json";
}

/** Parses a body that should be problem details; anything else yields null (never throws). */
export function parseProblem(body: unknown): ProblemDetails | null {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return null;
  const o = body as Record<string, unknown>;
  const problem: ProblemDetails = {};
  if (typeof o.type === "string") problem.type = o.type;
  if (typeof o.title === "string") problem.title = o.title;
  if (typeof o.status === "number") problem.status = o.status;
  if (typeof o.detail === "string") problem.detail = o.detail;
  if (typeof o.instance === "string") problem.instance = o.instance;
  if (typeof o.errors === "object" && o.errors !== null && !Array.isArray(o.errors)) {
    const errors: Record<string, string[]> = {};
    for (const [key, value] of Object.entries(o.errors as Record<string, unknown>)) {
      const messages = (Array.isArray(value) ? value : [value]).filter((m): m is string => typeof m === "string" && m !== "");
      if (messages.length > 0) errors[key] = messages;
    }
    problem.errors = errors;
  }
  return problem;
}

/**
 * Field errors keyed by the form's field names. The API names fields as in its JSON ("url", "slug"), but ASP.NET
 * may also use "Url", "$.url" or "request.Url": all map to the lower-camel leaf name. Messages of fields the form
 * does not have are returned under "" (shown at the form level, never dropped).
 */
export function fieldErrors(problem: ProblemDetails | null, knownFields: readonly string[]): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  if (!problem?.errors) return result;
  const known = new Map(knownFields.map((f) => [f.toLowerCase(), f]));
  for (const [key, messages] of Object.entries(problem.errors)) {
    const leaf = key.replace(/^\$\.?/, "").split(".").pop()!.toLowerCase();
    const field = known.get(leaf) ?? "";
    (result[field] ??= []).push(...messages);
  }
  return result;
}
