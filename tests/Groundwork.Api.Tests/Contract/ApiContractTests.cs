using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using MySqlConnector;
using Xunit.Abstractions;
using Groundwork.Workspace;

namespace Groundwork.Api.Tests.Contract;

/// <summary>
/// The contract tests run after every parallel collection of this assembly (DisableParallelization: xunit runs such
/// collections last), so the statuses every other Api integration test observed are recorded when they compare them
/// with the document. Their own data tier (the other collections' tiers are gone by then).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ApiContractCollection : ICollectionFixture<ApiTierFixture>
{
    public const string Name = "api contract";
}

/// <summary>
/// The OpenAPI document (/openapi/v1.json) held to the code: complete enough for a generated client, every declared
/// status produced by the running app on a real data tier, every status the app answered in these tests declared,
/// and `redocly lint` (recommended rules) without errors.
/// </summary>
[Collection(ApiContractCollection.Name)]
public sealed partial class ApiContractTests(ApiTierFixture tier, ITestOutputHelper output)
{
    internal static async Task<JsonElement> DocumentAsync(ApiInstance instance) =>
        await instance.Client().GetFromJsonAsync<JsonElement>("/openapi/v1.json");

    internal static IEnumerable<(string Method, string Path, JsonElement Operation)> Operations(JsonElement document) =>
        document.GetProperty("paths").EnumerateObject().SelectMany(path => path.Value.EnumerateObject()
            .Where(op => op.Name is "get" or "put" or "post" or "delete" or "patch" or "head" or "options")
            .Select(op => (op.Name.ToUpperInvariant(), path.Name, op.Value)));

    [Fact]
    public async Task Every_operation_is_named_summarized_secured_and_declares_typed_responses()
    {
        var document = await DocumentAsync(tier.A);
        var problems = new List<string>();
        var operations = Operations(document).ToList();
        Assert.Equal(11, operations.Count);

        var ids = operations.Select(o => o.Operation.TryGetProperty("operationId", out var id) ? id.GetString() : null).ToList();
        Assert.DoesNotContain(null, ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());

        foreach (var (method, path, operation) in operations)
        {
            var name = $"{method} {path}";
            if (!operation.TryGetProperty("summary", out var summary) || string.IsNullOrWhiteSpace(summary.GetString()))
            {
                problems.Add($"{name}: no summary");
            }
            var isAdmin = path.StartsWith("/admin/", StringComparison.Ordinal);
            if (!operation.TryGetProperty("security", out var security))
            {
                problems.Add($"{name}: no security (public operations must say security: [])");
            }
            else if (isAdmin != (security.GetArrayLength() == 1 && security[0].TryGetProperty(ApiDocument.AdminSchemeName, out _)))
            {
                problems.Add($"{name}: security {security} (admin: {isAdmin})");
            }
            var responses = operation.GetProperty("responses");
            var statuses = responses.EnumerateObject().Select(r => int.Parse(r.Name, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            if (!statuses.Any(s => s is >= 200 and < 400))
            {
                problems.Add($"{name}: no success response");
            }
            if (isAdmin && !(statuses.Contains(401) && statuses.Contains(403)))
            {
                problems.Add($"{name}: admin operation without 401 and 403");
            }
            foreach (var response in responses.EnumerateObject())
            {
                var status = int.Parse(response.Name, System.Globalization.CultureInfo.InvariantCulture);
                var content = response.Value.TryGetProperty("content", out var c) ? c : default;
                if (status is 204 or 302)
                {
                    // No body: nothing to type. A 302 says where it points.
                    if (status == 302 && !HasHeader(response.Value, "Location"))
                    {
                        problems.Add($"{name} {status}: no Location header");
                    }
                    continue;
                }
                var mediaType = status < 400 ? "application/json" : "application/problem+json";
                if (content.ValueKind != JsonValueKind.Object || !content.TryGetProperty(mediaType, out var media) || !media.TryGetProperty("schema", out _))
                {
                    problems.Add($"{name} {status}: no {mediaType} schema (a generated client would return a Stream)");
                }
                if (status is 429 or 503 && !HasHeader(response.Value, "Retry-After"))
                {
                    problems.Add($"{name} {status}: no Retry-After header");
                }
            }
        }

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty(ApiDocument.AdminSchemeName);
        Assert.Equal("apiKey", scheme.GetProperty("type").GetString());
        Assert.Equal("header", scheme.GetProperty("in").GetString());
        Assert.Equal("x-amzn-oidc-data", scheme.GetProperty("name").GetString());
        Assert.Contains("Load Balancer", scheme.GetProperty("description").GetString());
        Assert.False(string.IsNullOrEmpty(document.GetProperty("info").GetProperty("license").GetProperty("name").GetString()));
        Assert.All(document.GetProperty("servers").EnumerateArray(), s => Assert.False(s.GetProperty("url").GetString()!.EndsWith('/')));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    private static bool HasHeader(JsonElement response, string name) =>
        response.TryGetProperty("headers", out var headers) && headers.TryGetProperty(name, out _);

    /// <summary>
    /// Drives every operation into every status it declares (on healthy instances, a rate-limited one, one whose
    /// database is unreachable, with no, a non-admin and an admin identity), then compares with the document in both
    /// directions: declared but never produced (a status the code cannot give) and produced but not declared (by this
    /// tour or by any other Api integration test: they all ran before, see <see cref="ApiContractCollection"/>).
    /// </summary>
    [Fact]
    public async Task Every_declared_status_is_produced_and_every_produced_status_is_declared()
    {
        await using var signIn = await AlbSignInStandIn.StartAsync();
        await using var admin = tier.StartInstance(settings: signIn.Settings);
        await using var limited = tier.StartInstance(createLimit: 1);
        await using var broken = tier.StartInstance(settings: UnreachableDatabase(signIn.Settings));
        var adminToken = signIn.Token();
        var userToken = signIn.Token("someone@elsewhere.example");
        var web = admin.Client();
        var down = broken.Client();
        var failures = new List<string>();

        // rejectedByRouting: the status comes from routing before any endpoint runs (415 from the endpoint's Accepts
        // metadata), so the recorder sees routing's rejection endpoint, not the route: the tour records it for that route.
        async Task Expect(int status, HttpClient client, HttpMethod method, string url, string? token = null, HttpContent? content = null, string? rejectedByRouting = null)
        {
            using var request = new HttpRequestMessage(method, url) { Content = content };
            if (token is not null)
            {
                request.Headers.TryAddWithoutValidation("x-amzn-oidc-data", token);
            }
            using var response = await client.SendAsync(request);
            if ((int)response.StatusCode == status && rejectedByRouting is not null)
            {
                ObservedStatuses.Record(method.Method, rejectedByRouting, status);
            }
            if ((int)response.StatusCode != status)
            {
                failures.Add($"{method} {url}: expected {status}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }

        var slug = "contract-" + Guid.NewGuid().ToString("N")[..8];
        var doomed = "contract-del-" + Guid.NewGuid().ToString("N")[..8];
        var unknown = "contract-none-" + Guid.NewGuid().ToString("N")[..8];
        var neverCached = "contract-down-" + Guid.NewGuid().ToString("N")[..8]; // never in the shared cache: the broken instance must ask its database
        static HttpContent Link(object body) => JsonContent.Create(body);

        // Links (public)
        await Expect(201, web, HttpMethod.Post, "/api/links", content: Link(new { url = "https://example.com/contract", slug }));
        await Expect(201, web, HttpMethod.Post, "/api/links", content: Link(new { url = "https://example.com/doomed", slug = doomed }));
        await Expect(409, web, HttpMethod.Post, "/api/links", content: Link(new { url = "https://example.com/other", slug }));
        await Expect(400, web, HttpMethod.Post, "/api/links", content: Link(new { url = "not a url" }));
        await Expect(413, web, HttpMethod.Post, "/api/links", content: new StringContent(new string('x', 20_000), Encoding.UTF8, "application/json"));
        await Expect(415, web, HttpMethod.Post, "/api/links", content: new StringContent("url=https://example.com", Encoding.UTF8, "text/plain"), rejectedByRouting: "/api/links");
        await Expect(503, down, HttpMethod.Post, "/api/links", content: Link(new { url = "https://example.com/down" }));
        // The limit is per client across instances (Redis): a limit of 1 refuses the second creation in the window at the latest.
        using (var first = await limited.Client().PostAsJsonAsync("/api/links", new { url = "https://example.com/limited" }))
        {
            Assert.Contains(first.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.TooManyRequests });
        }
        await Expect(429, limited.Client(), HttpMethod.Post, "/api/links", content: Link(new { url = "https://example.com/limited" }));

        await Expect(200, web, HttpMethod.Get, $"/api/links/{slug}");
        await Expect(404, web, HttpMethod.Get, $"/api/links/{unknown}");
        await Expect(503, down, HttpMethod.Get, $"/api/links/{neverCached}");
        await Expect(200, web, HttpMethod.Get, $"/api/links/{slug}/clicks");
        await Expect(400, web, HttpMethod.Get, $"/api/links/{slug}/clicks?bucket=fortnight");
        await Expect(404, web, HttpMethod.Get, $"/api/links/{unknown}/clicks");
        await Expect(503, down, HttpMethod.Get, $"/api/links/{neverCached}/clicks");

        // Redirect (public)
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head })
        {
            await Expect(302, web, method, $"/{slug}");
            await Expect(404, web, method, $"/{unknown}");
            await Expect(503, down, method, $"/{neverCached}");
        }

        // Admin: 401 without an identity, 403 for a signed-in user who is not an admin, on every operation.
        var adminCalls = new (HttpMethod Method, string Url)[]
        {
            (HttpMethod.Get, "/admin/api/me"), (HttpMethod.Get, "/admin/api/links"), (HttpMethod.Post, $"/admin/api/links/{slug}/disable"),
            (HttpMethod.Post, $"/admin/api/links/{slug}/enable"), (HttpMethod.Delete, $"/admin/api/links/{slug}"), (HttpMethod.Get, "/admin/api/audit"),
        };
        foreach (var (method, url) in adminCalls)
        {
            await Expect(401, web, method, url);
            await Expect(403, web, method, url, userToken);
        }
        await Expect(200, web, HttpMethod.Get, "/admin/api/me", adminToken);
        await Expect(200, web, HttpMethod.Get, $"/admin/api/links?slug={slug}", adminToken);
        await Expect(400, web, HttpMethod.Get, "/admin/api/links?page=0", adminToken);
        await Expect(503, down, HttpMethod.Get, "/admin/api/links", adminToken);
        await Expect(200, web, HttpMethod.Post, $"/admin/api/links/{slug}/disable", adminToken);
        await Expect(410, web, HttpMethod.Get, $"/{slug}");
        await Expect(410, web, HttpMethod.Head, $"/{slug}");
        await Expect(200, web, HttpMethod.Post, $"/admin/api/links/{slug}/enable", adminToken);
        await Expect(404, web, HttpMethod.Post, $"/admin/api/links/{unknown}/disable", adminToken);
        await Expect(404, web, HttpMethod.Post, $"/admin/api/links/{unknown}/enable", adminToken);
        await Expect(503, down, HttpMethod.Post, $"/admin/api/links/{slug}/disable", adminToken);
        await Expect(503, down, HttpMethod.Post, $"/admin/api/links/{slug}/enable", adminToken);
        await Expect(204, web, HttpMethod.Delete, $"/admin/api/links/{doomed}", adminToken);
        await Expect(404, web, HttpMethod.Delete, $"/admin/api/links/{doomed}", adminToken);
        await Expect(503, down, HttpMethod.Delete, $"/admin/api/links/{slug}", adminToken);
        await Expect(200, web, HttpMethod.Get, "/admin/api/audit", adminToken);
        await Expect(400, web, HttpMethod.Get, "/admin/api/audit?pageSize=1000", adminToken);
        await Expect(503, down, HttpMethod.Get, "/admin/api/audit", adminToken);
        Assert.True(failures.Count == 0, string.Join("\n", failures));

        var document = await DocumentAsync(tier.A);
        var declared = ObservedStatuses.Declared(document);
        var observed = ObservedStatuses.All.Where(o => declared.ContainsKey((o.Method, o.Route)))
            .GroupBy(o => (o.Method, o.Route)).ToDictionary(g => g.Key, g => g.Select(o => o.Status).ToHashSet());
        var neverProduced = declared.SelectMany(d => d.Value.Except(observed.GetValueOrDefault(d.Key) ?? []).Select(s => $"{d.Key.Method} {d.Key.Path} {s}")).ToList();
        var undeclared = ObservedStatuses.Undeclared(document);
        var observedByOthers = ObservedStatuses.All.Count(o => declared.ContainsKey((o.Method, o.Route)));
        output.WriteLine($"{observedByOthers} distinct (operation, status) pairs observed by all Api tests of this run");
        foreach (var ((method, path), statuses) in declared.OrderBy(d => d.Key.Path))
        {
            output.WriteLine($"{method,-6} {path,-34} declared {string.Join(",", statuses.Order())}; observed {string.Join(",", (observed.GetValueOrDefault((method, path)) ?? []).Order())}");
        }
        Assert.True(neverProduced.Count == 0, "declared but never produced:\n" + string.Join("\n", neverProduced));
        Assert.True(undeclared.Count == 0, "produced but not declared:\n" + string.Join("\n", undeclared));
    }

    /// <summary>The admin's settings, with both database endpoints on a port where nothing listens.</summary>
    private Dictionary<string, string> UnreachableDatabase(IReadOnlyDictionary<string, string> settings)
    {
        var closedPort = (uint)FreePorts.Next();
        string Unreachable(string connectionString) =>
            new MySqlConnectionStringBuilder(connectionString) { Port = closedPort, ConnectionTimeout = 2 }.ConnectionString;
        return new Dictionary<string, string>(settings)
        {
            ["ConnectionStrings:primary"] = Unreachable(tier.Tier.Setup.PrimaryConnectionString),
            ["ConnectionStrings:replica"] = Unreachable(tier.Tier.Setup.ReplicaConnectionString),
        };
    }

    /// <summary>
    /// redocly lint with the recommended rules (eng/openapi/redocly.yaml): no error, and a warning only from a rule the
    /// config sets to `warn` with its reason.
    /// </summary>
    [Fact]
    public async Task Redocly_lint_with_the_recommended_rules_has_no_errors_and_only_justified_warnings()
    {
        var tools = Path.Combine(RepositoryTools.Root, "eng", "openapi");
        var redocly = Path.Combine(tools, "node_modules", ".bin", "redocly");
        Assert.True(File.Exists(redocly), $"{redocly} is missing: run `npm ci` in eng/openapi (eng/test.sh does).");
        var work = Directory.CreateTempSubdirectory("gw-redocly-");
        try
        {
            var file = Path.Combine(work.FullName, "openapi.json");
            // As deployed: the public address configured, so servers[0] is not the test's localhost.
            await using (var deployed = tier.StartInstance(settings: new Dictionary<string, string> { ["Links:PublicBaseUrl"] = PublicBaseUrl + "/" }))
            {
                var document = await DocumentAsync(deployed);
                Assert.Equal(PublicBaseUrl, document.GetProperty("servers")[0].GetProperty("url").GetString());
                await File.WriteAllTextAsync(file, document.GetRawText());
            }
            var config = Path.Combine(tools, "redocly.yaml");
            var (_, stdout, stderr) = await RepositoryTools.RunAsync(redocly, ["lint", file, "--config", config, "--format=json"], tools, TimeSpan.FromMinutes(2),
                new Dictionary<string, string?> { ["REDOCLY_TELEMETRY"] = "off", ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true" });
            Assert.True(stdout.TrimStart().StartsWith('{'), "redocly printed no JSON report:\n" + stdout + stderr);
            using var report = JsonDocument.Parse(stdout);
            var problems = report.RootElement.GetProperty("problems").EnumerateArray()
                .Select(p => (Rule: p.GetProperty("ruleId").GetString()!, Severity: p.GetProperty("severity").GetString()!, Message: p.GetProperty("message").GetString()!))
                .ToList();
            var justified = JustifiedWarnRule().Matches(await File.ReadAllTextAsync(config)).Select(m => m.Groups[1].Value).ToHashSet();
            foreach (var problem in problems)
            {
                output.WriteLine($"{problem.Severity} {problem.Rule}: {problem.Message}");
            }
            Assert.DoesNotContain(problems, p => p.Severity == "error");
            Assert.DoesNotContain(problems, p => !justified.Contains(p.Rule));
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private const string PublicBaseUrl = "https://links.groundwork.test";

    [GeneratedRegex(@"^\s+([a-z0-9-]+):\s*warn\s*$", RegexOptions.Multiline)]
    private static partial Regex JustifiedWarnRule();
}
