import { describe, expect, it } from "vitest";
import { ApiClient, ApiError, errorFromResponse, kindOf, query } from "../src/api";

const problem = (status: number, body: object, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/problem+json", ...headers } });

describe("errorFromResponse", () => {
  it("maps a validation problem to 'validation' with its field errors", async () => {
    const error = await errorFromResponse(problem(400, { title: "Invalid link", status: 400, detail: "'url' must be an absolute http or https URL.", errors: { url: ["'url' must be an absolute http or https URL."] } }));
    expect(error.kind).toBe("validation");
    expect(error.problem?.errors).toEqual({ url: ["'url' must be an absolute http or https URL."] });
    expect(error.message).toBe("'url' must be an absolute http or https URL.");
  });

  it("maps a 400 without field errors to 'bad-request' and uses the detail", async () => {
    const error = await errorFromResponse(problem(400, { title: "Invalid request", detail: "The body is not valid JSON." }));
    expect(error.kind).toBe("bad-request");
    expect(error.message).toBe("The body is not valid JSON.");
  });

  it("maps 409 to 'conflict' with the API's explanation", async () => {
    const error = await errorFromResponse(problem(409, { title: "Slug already taken", detail: "'x' is already in use; choose another slug." }));
    expect(error.kind).toBe("conflict");
    expect(error.message).toContain("already in use");
  });

  it("reads Retry-After seconds on a 429", async () => {
    const error = await errorFromResponse(problem(429, { title: "Too many requests" }, { "retry-after": "42" }));
    expect(error.kind).toBe("rate-limited");
    expect(error.retryAfterSeconds).toBe(42);
  });

  it("reads a Retry-After HTTP-date relative to now", async () => {
    const now = new Date("2026-01-01T12:00:00Z");
    const error = await errorFromResponse(problem(503, { title: "Unavailable" }, { "retry-after": "Thu, 01 Jan 2026 12:01:30 GMT" }), now);
    expect(error.kind).toBe("unavailable");
    expect(error.retryAfterSeconds).toBe(90);
  });

  it("survives a body that is not JSON (e.g. a proxy's HTML error page)", async () => {
    const error = await errorFromResponse(new Response("<html>Bad gateway</html>", { status: 502, headers: { "content-type": "text/html" } }));
    expect(error.kind).toBe("unavailable");
    expect(error.problem).toBeNull();
    expect(error.message).toMatch(/unavailable/i);
  });

  it("survives a problem content type with a broken body", async () => {
    const error = await errorFromResponse(new Response("{not json", { status: 404, headers: { "content-type": "application/problem+json" } }));
    expect(error.kind).toBe("not-found");
    expect(error.message).toBe("Not found.");
  });

  it.each([
    [401, "unauthorized"],
    [403, "forbidden"],
    [404, "not-found"],
    [410, "gone"],
    [413, "bad-request"],
    [415, "bad-request"],
    [418, "unexpected"],
    [500, "unavailable"],
  ] as const)("maps %i to %s", (status, kind) => {
    expect(kindOf(status, null)).toBe(kind);
  });
});

describe("ApiClient", () => {
  it("prefixes the configured base URL and sends JSON", async () => {
    const calls: { url: string; init?: RequestInit }[] = [];
    const client = new ApiClient("https://api.example.test", async (url, init) => {
      calls.push({ url, init });
      return new Response(JSON.stringify({ slug: "abc" }), { status: 201, headers: { "content-type": "application/json" } });
    });
    const result = await client.post<{ slug: string }>("/api/links", { url: "https://example.com" });
    expect(result.slug).toBe("abc");
    expect(calls[0]!.url).toBe("https://api.example.test/api/links");
    expect(calls[0]!.init?.method).toBe("POST");
    expect(calls[0]!.init?.body).toBe('{"url":"https://example.com"}');
    expect((calls[0]!.init?.headers as Record<string, string>)["Content-Type"]).toBe("application/json");
  });

  it("throws ApiError for problem responses", async () => {
    const client = new ApiClient("", async () => problem(409, { title: "Slug already taken", detail: "taken" }));
    await expect(client.post("/api/links", {})).rejects.toMatchObject({ kind: "conflict", status: 409, message: "taken" });
  });

  it("turns a failed fetch into a 'network' ApiError", async () => {
    const client = new ApiClient("", async () => {
      throw new TypeError("Failed to fetch");
    });
    const error = await client.get("/api/links/x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).kind).toBe("network");
  });

  it("returns undefined for 204 No Content", async () => {
    const client = new ApiClient("", async () => new Response(null, { status: 204 }));
    await expect(client.delete("/admin/api/links/x")).resolves.toBeUndefined();
  });
});

describe("query", () => {
  it("keeps non-empty values and encodes them", () => {
    expect(query({ slug: "a b", q: "", page: 2, pageSize: undefined })).toBe("?slug=a+b&page=2");
    expect(query({})).toBe("");
  });
});
