import { isProblemContentType, parseProblem, type ProblemDetails } from "./problem";
import { parseRetryAfter } from "./retry-after";

/** What went wrong, in the terms the UI acts on. */
export type ApiErrorKind =
  | "validation" // 400 with field errors: shown next to the fields
  | "bad-request" // other 400s / 413 / 415
  | "unauthorized" // 401: the admin session is gone, sign in again
  | "forbidden" // 403
  | "not-found" // 404
  | "conflict" // 409: e.g. the slug is taken
  | "gone" // 410: the link is disabled
  | "rate-limited" // 429: try again after Retry-After
  | "unavailable" // 5xx (a dependency is down; Retry-After may say when to retry)
  | "network" // no response at all
  | "unexpected"; // a response the client does not understand

export class ApiError extends Error {
  constructor(
    readonly kind: ApiErrorKind,
    readonly status: number,
    readonly problem: ProblemDetails | null,
    /** Seconds to wait before retrying (429/503 with Retry-After), else null. */
    readonly retryAfterSeconds: number | null,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export function kindOf(status: number, problem: ProblemDetails | null): ApiErrorKind {
  switch (status) {
    case 400:
      return problem?.errors && Object.keys(problem.errors).length > 0 ? "validation" : "bad-request";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not-found";
    case 409:
      return "conflict";
    case 410:
      return "gone";
    case 413:
    case 415:
    case 422:
      return problem?.errors && Object.keys(problem.errors).length > 0 ? "validation" : "bad-request";
    case 429:
      return "rate-limited";
    default:
      return status >= 500 ? "unavailable" : "unexpected";
  }
}

function fallbackMessage(kind: ApiErrorKind, status: number): string {
  switch (kind) {
    case "unauthorized":
      return "Your session has ended. Sign in again.";
    case "forbidden":
      return "You are not allowed to do this.";
    case "not-found":
      return "Not found.";
    case "rate-limited":
      return "Too many requests. Try again later.";
    case "unavailable":
      return "The service is unavailable right now. Try again shortly.";
    case "network":
      return "The service could not be reached. Check your connection and try again.";
    default:
      return `The request failed (HTTP ${status}).`;
  }
}

/** Turns a non-2xx response into an ApiError (reads the body once; never throws anything else). */
export async function errorFromResponse(response: Response, now: Date = new Date()): Promise<ApiError> {
  let problem: ProblemDetails | null = null;
  if (isProblemContentType(response.headers.get("content-type"))) {
    try {
      problem = parseProblem(await response.json());
    } catch {
      problem = null;
    }
  }
  const kind = kindOf(response.status, problem);
  const retryAfter = parseRetryAfter(response.headers.get("retry-after"), now);
  const message = problem?.detail || problem?.title || fallbackMessage(kind, response.status);
  return new ApiError(kind, response.status, problem, retryAfter, message);
}

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/** fetch + JSON + problem details → ApiError. `baseUrl` is prefixed to every path ("" = same origin). */
export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly fetchImpl: Fetch = (input, init) => fetch(input, init),
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const init: RequestInit = {
      method,
      headers: { Accept: "application/json, application/problem+json" },
      credentials: "same-origin",
    };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)["Content-Type"] = "application/json";
    }
    let response: Response;
    try {
      response = await this.fetchImpl(this.baseUrl + path, init);
    } catch (e) {
      throw new ApiError("network", 0, null, null, fallbackMessage("network", 0) + (e instanceof Error ? ` (${e.message})` : ""));
    }
    if (!response.ok) {
      throw await errorFromResponse(response);
    }
    if (response.status === 204) return undefined as T;
    try {
      return (await response.json()) as T;
    } catch {
      throw new ApiError("unexpected", response.status, null, null, "The service sent a response that is not JSON.");
    }
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>("GET", path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>("POST", path, body);
  }

  delete(path: string): Promise<void> {
    return this.request<void>("DELETE", path);
  }
}

/** Builds a query string from the non-empty values (in the given order). */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}
