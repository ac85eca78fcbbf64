using System.Text;
using CsCheck;

namespace Groundwork.Faults.Tests.Infrastructure;

/// <summary>One generated request. <see cref="AsAdmin"/>: sent with a signed-in admin session (through the edge).</summary>
public sealed record FuzzRequest(string Method, string Path, string? ContentType, byte[]? Body, IReadOnlyList<KeyValuePair<string, string>> Headers, bool AsAdmin)
{
    public override string ToString()
    {
        var body = Body is null ? "no body" : $"{Body.Length} bytes: {Encoding.UTF8.GetString(Body.AsSpan(0, Math.Min(Body.Length, 120)))}";
        return $"{Method} {Truncate(Path)} [{ContentType}] {body} headers: {string.Join(", ", Headers.Select(h => $"{h.Key}={Truncate(h.Value)}"))}{(AsAdmin ? " (admin)" : "")}";
    }

    private static string Truncate(string value) => value.Length <= 120 ? value : value[..120] + $"…({value.Length})";
}

/// <summary>
/// CsCheck generators for requests against every public and admin endpoint: boundary and random path segments and
/// query values, random/boundary JSON, wrong types, huge and deeply nested bodies, invalid UTF-8, path traversal,
/// header abuse and unexpected methods.
/// </summary>
public static class FuzzRequests
{
    private static readonly string[] BoundaryStrings =
    [
        "", "a", "ab", "abc", new string('a', 64), new string('a', 65), new string('x', 5000), "api", "admin", "health", "_edge", "index.html",
        "0", "-1", "1", "2147483648", "99999999999999999999", "1e309", "NaN", "true", "null", "[]", "{}", "%", "%25", "%00", "\u0000", " ", "\t\r\n",
        "2026-01-01", "2026-13-45T99:99:99Z", "0001-01-01", "9999-12-31T23:59:59Z", "1969-12-31", "minute", "hour", "day", "week", "MINUTE",
        "ünïcödé", "😀😀", "\ud800", "\uffff", "Ω≈ç√", "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd", "..\\..\\windows",
    ];

    private static readonly string[] TraversalPaths =
    [
        "/%2e%2e/%2e%2e/etc/passwd", "/assets/..%2f..%2fappsettings.json", "/admin/..%2f..%2fapi/links", "/api/links/..%2f..%2fadmin%2fapi%2flinks",
        "/%2e%2e%5c%2e%2e%5cwindows%5cwin.ini", "/%00", "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd", "/%ff%fe", "/api/links/%ff", "/api/links/%c3%28/clicks",
        "/s/%2e%2e/%2e%2e/appsettings.json", "/admin/%2e%2e/health/ready", "/_edge/%2e%2e/api/links", "/api/links%00.json", "/api//links", "///",
        "/api/links/abc/clicks/../../../admin/api/links", "/openapi/v1.json", "/openapi/../appsettings.json", "/favicon.ico", "/robots.txt",
        "/index.html", "/assets/does-not-exist.js", "/s/anything", "/config.js", "/admin", "/admin/", "/admin/console/route", "/health/live", "/health/ready",
    ];

    private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE", "PROPFIND", "FOO"];

    private static readonly string?[] ContentTypes =
    [
        "application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
        "application/json; charset=utf-16", "application/json; charset=nonsense", "*/*", "application/problem+json", "application/xml", "json", null,
    ];

    private static readonly Gen<string> AnyText = Gen.String;

    private static readonly Gen<string> Segment = Gen.Frequency(
        (4, Gen.String[Gen.Char["ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789_-"], 0, 70]),
        (3, Gen.OneOf(BoundaryStrings)),
        (2, AnyText));

    private static readonly Gen<string> EscapedSegment = Gen.Frequency(
        (5, Segment.Select(Uri.EscapeDataString)),
        (1, Gen.OneOf("%ff", "%c3%28", "%e2%82", "%ed%a0%80", "%c0%af", "%f4%90%80%80", "%2F", "%5C", "%2e%2e", "%")));

    private static readonly Gen<string> QueryValue = Gen.Frequency((3, Gen.OneOf(BoundaryStrings)), (2, AnyText)).Select(Uri.EscapeDataString);

    private static Gen<string> Query(params string[] names) =>
        Gen.Select(Gen.Bool.Array[names.Length], QueryValue.Array[names.Length], (use, values) =>
        {
            var parts = names.Where((_, i) => use[i]).Select((n, i) => $"{n}={values[i]}").ToList();
            return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
        });

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string Nested(int depth, bool objects) => objects
        ? string.Concat(Enumerable.Repeat("{\"url\":", depth)) + "\"https://example.com\"" + new string('}', depth)
        : new string('[', depth) + new string(']', depth);

    private static readonly Gen<byte[]> Body = Gen.Frequency(
        (4, Gen.Select(Segment, Gen.Bool, (slug, withSlug) => Utf8(System.Text.Json.JsonSerializer.Serialize(withSlug
            ? (object)new { url = "https://example.com/fuzz/" + Uri.EscapeDataString(slug), slug }
            : new { url = "https://example.com/fuzz/" + Uri.EscapeDataString(slug) })))),
        (3, Gen.OneOf(
            "{\"url\":123}", "{\"url\":true}", "{\"url\":null}", "{\"url\":[\"https://example.com\"]}", "{\"url\":{\"href\":\"https://example.com\"}}",
            "{\"url\":\"https://example.com\",\"slug\":123}", "{\"url\":\"https://example.com\",\"slug\":[]}", "{\"url\":1e999}", "[]", "\"string\"", "42",
            "null", "true", "{}", "", " ", "{", "{\"url\":", "{\"url\":\"https://e", "{\"url\":\"https://example.com\"", "{'url':'https://example.com'}",
            "{\"url\":\"https://a.example\",\"url\":\"javascript:alert(1)\"}", "\ufeff{\"url\":\"https://example.com/bom\"}", "{\"url\":\"\\ud800\"}",
            "{\"url\":\"https://example.com/\\u0000\"}", "{\"URL\":\"https://example.com/case\"}", "{\"url\":\"https://example.com\",\"slug\":\"\"}",
            "{\"url\":\"https://example.com\",\"slug\":null}", "{\"url\":\"https://example.com\",\"extra\":{\"a\":[1,2,{\"b\":null}]}}",
            "url=https://example.com", "--x\r\nContent-Disposition: form-data; name=\"url\"\r\n\r\nhttps://example.com\r\n--x--").Select(Utf8)),
        (2, Gen.OneOf(2047, 2048, 2049, 4096, 16384, 16385, 100_000).Select(n => Utf8($"{{\"url\":\"https://example.com/{new string('a', Math.Max(0, n - 40))}\"}}"))),
        (1, Gen.OneOf(1_048_576, 300_000).Select(n => Utf8("{\"url\":\"https://example.com\"," + new string(' ', n) + "\"slug\":\"big\"}"))),
        (2, Gen.Select(Gen.OneOf(8, 9, 64, 1000, 100_000), Gen.Bool, Nested).Select(Utf8)),
        (2, Gen.OneOf(
            new byte[] { 0xff, 0xfe, 0xfd },
            [.. Utf8("{\"url\":\"https://example.com/"), 0xC3, 0x28, .. Utf8("\"}")],
            [.. Utf8("{\"url\":\"https://example.com/"), 0xC0, 0xAF, .. Utf8("\"}")],
            [.. Utf8("{\"url\":\"https://example.com/"), 0xED, 0xA0, 0x80, .. Utf8("\"}")],
            [.. Utf8("{\"slug\":\""), 0xF8, 0x88, 0x80, 0x80, 0x80, .. Utf8("\",\"url\":\"https://example.com\"}")],
            [0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF, .. Utf8("{}")])),
        (2, AnyText.Select(Utf8)),
        (1, Gen.Byte.Array[0, 4000]));

    private static readonly Gen<KeyValuePair<string, string>> Header = Gen.OneOf(
        Gen.OneOf("not-an-ip", "::::", "1.2.3.4, 5.6.7.8", "300.1.1.1", "", "127.0.0.1", "::1", "unknown", "1.1.1.1:99999", string.Join(", ", Enumerable.Range(1, 500).Select(i => $"10.0.{i / 250}.{i % 250}")))
            .Select(v => new KeyValuePair<string, string>("X-Forwarded-For", v)),
        Gen.OneOf("evil.example", "a b", "x:99999", "[::1", new string('h', 3000), "").Select(v => new KeyValuePair<string, string>("X-Forwarded-Host", v)),
        Gen.OneOf("javascript", "ftp", "https, http", "HTTPS", "").Select(v => new KeyValuePair<string, string>("X-Forwarded-Proto", v)),
        Gen.OneOf("0-1-99999999999999", "0-1-1", "'; DROP TABLE links; --", "1-2-3,4-5-6", "abc", new string('9', 2000), "-1--1--1", "")
            .Select(v => new KeyValuePair<string, string>("Groundwork-Read-After", v)),
        Gen.OneOf("gw-pos=0-1-99999999999999", "gw-pos='; DROP TABLE links; --", "gw-pos=" + new string('1', 3000), "gw-pos", "=;=;", "AWSELBAuthSessionCookie=forged")
            .Select(v => new KeyValuePair<string, string>("Cookie", v)),
        Gen.OneOf("forged", "a.b.c", "eyJhbGciOiJub25lIn0=.eyJlbWFpbCI6ImFkbWluQGV4YW1wbGUuY29tIn0=.", "....", new string('A', 6000))
            .Select(v => new KeyValuePair<string, string>("x-amzn-oidc-data", v)),
        Gen.OneOf("application/xml", "*/*;q=abc", "text/html", "", "application/problem+json").Select(v => new KeyValuePair<string, string>("Accept", v)),
        Gen.OneOf("bytes=0-0", "bytes=-1", "bytes=abc", "bytes=0-0,1-1,2-2").Select(v => new KeyValuePair<string, string>("Range", v)),
        Gen.OneOf("gzip", "br", "deflate", "x").Select(v => new KeyValuePair<string, string>("Content-Encoding", v)),
        Gen.OneOf("100-continue", "nonsense").Select(v => new KeyValuePair<string, string>("Expect", v)),
        Gen.OneOf(new string('u', 7000), "", "Mozilla/5.0 (X11; Linux x86_64)").Select(v => new KeyValuePair<string, string>("User-Agent", v)),
        Gen.OneOf("evil.example", "127.0.0.1:1", "[::1]", "a..b", "analytics.example").Select(v => new KeyValuePair<string, string>("Host", v)),
        Gen.OneOf("Root=1-00000000-000000000000000000000000", "Root=1-zz", new string('r', 400)).Select(v => new KeyValuePair<string, string>("X-Amzn-Trace-Id", v)));

    /// <summary>(method, path) pairs for every endpoint, with a few generic abuses.</summary>
    private static readonly Gen<(string Method, string Path)> Target = Gen.Frequency(
        (10, Gen.Select(Gen.OneOf("GET", "HEAD"), EscapedSegment, (m, s) => (m, "/" + s))),
        (12, Gen.Const(("POST", "/api/links"))),
        (5, EscapedSegment.Select(s => ("GET", "/api/links/" + s))),
        (5, Gen.Select(EscapedSegment, Query("from", "to", "bucket"), (s, q) => ("GET", $"/api/links/{s}/clicks{q}"))),
        (2, Gen.Const(("GET", "/admin/api/me"))),
        (5, Query("slug", "q", "createdFrom", "createdTo", "page", "pageSize").Select(q => ("GET", "/admin/api/links" + q))),
        (3, Gen.Select(EscapedSegment, Gen.OneOf("disable", "enable"), (s, a) => ("POST", $"/admin/api/links/{s}/{a}"))),
        (2, EscapedSegment.Select(s => ("DELETE", "/admin/api/links/" + s))),
        (3, Query("page", "pageSize").Select(q => ("GET", "/admin/api/audit" + q))),
        (2, EscapedSegment.Select(s => ("GET", "/admin/" + s))),
        (4, Gen.Select(Gen.OneOf(Methods), Gen.OneOf(TraversalPaths), (m, p) => (m, p))),
        (3, Gen.Select(Gen.OneOf(Methods), Gen.OneOf("/api/links", "/api/links/abc", "/admin/api/links", "/admin/api/links/abc/disable", "/abc", "/health/ready"), (m, p) => (m, p))));

    public static Gen<FuzzRequest> Requests { get; } =
        Gen.Select(Target, Gen.OneOf(ContentTypes), Body, Gen.Int[0, 100], Header.Array[0, 3], Gen.Int[0, 100],
            (target, contentType, body, bodyChance, headers, adminChance) =>
            {
                var sendsBody = target.Method is "POST" or "PUT" or "PATCH" || bodyChance < 5;
                return new FuzzRequest(target.Method, target.Path, sendsBody ? contentType : null, sendsBody ? body : null, headers,
                    AsAdmin: target.Path.StartsWith("/admin", StringComparison.Ordinal) ? adminChance < 70 : adminChance < 5);
            });
}
