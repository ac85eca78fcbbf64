import { describe, expect, it } from "vitest";
import { fieldErrors, isProblemContentType, parseProblem } from "../src/problem";

describe("parseProblem", () => {
  it("keeps the RFC 9457 members and the errors map", () => {
    expect(parseProblem({ type: "t", title: "Invalid link", status: 400, detail: "d", errors: { url: ["bad"] }, traceId: "x" }))
      .toEqual({ type: "t", title: "Invalid link", status: 400, detail: "d", errors: { url: ["bad"] } });
  });

  it("drops members of the wrong type and non-string messages", () => {
    expect(parseProblem({ title: 5, status: "400", errors: { url: ["ok", 3, ""], slug: "single" } }))
      .toEqual({ errors: { url: ["ok"], slug: ["single"] } });
  });

  it("rejects anything that is not an object", () => {
    expect(parseProblem(null)).toBeNull();
    expect(parseProblem("text")).toBeNull();
    expect(parseProblem([1])).toBeNull();
  });
});

describe("fieldErrors", () => {
  const fields = ["url", "slug"] as const;

  it("maps API field names to form fields", () => {
    expect(fieldErrors({ errors: { url: ["bad url"], slug: ["taken"] } }, fields)).toEqual({ url: ["bad url"], slug: ["taken"] });
  });

  it("accepts ASP.NET's other spellings of a field", () => {
    expect(fieldErrors({ errors: { Url: ["a"], "$.slug": ["b"], "request.Url": ["c"] } }, fields)).toEqual({ url: ["a", "c"], slug: ["b"] });
  });

  it("puts errors of unknown fields at the form level instead of dropping them", () => {
    expect(fieldErrors({ errors: { body: ["too big"] } }, fields)).toEqual({ "": ["too big"] });
  });

  it("is empty without errors", () => {
    expect(fieldErrors(null, fields)).toEqual({});
    expect(fieldErrors({ title: "x" }, fields)).toEqual({});
  });
});

describe("isProblemContentType", () => {
  it("accepts problem+json and json with parameters", () => {
    expect(isProblemContentType("application/problem+json; charset=utf-8")).toBe(true);
    expect(isProblemContentType("application/json")).toBe(true);
    expect(isProblemContentType("text/html")).toBe(false);
    expect(isProblemContentType(null)).toBe(false);
  });
});
