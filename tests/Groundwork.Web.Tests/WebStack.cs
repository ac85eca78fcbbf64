using System.Net.Http.Json;
using System.Text.Json;
using Groundwork.Testing;
using Microsoft.Playwright;

namespace Groundwork.Web.Tests;

[CollectionDefinition(Name)]
public sealed class WebCollection : ICollectionFixture<WebStack>
{
    public const string Name = "web";
}

[CollectionDefinition(Name)]
public sealed class RateLimitedWebCollection : ICollectionFixture<RateLimitedWebStack>
{
    public const string Name = "web, low create limit";
}

/// <summary>A stack whose Api allows only <see cref="CreateLimit"/> link creations per client per minute.</summary>
public sealed class RateLimitedWebStack() : WebStack(createLimit: CreateLimit)
{
    public const int CreateLimit = 2;
}

/// <summary>The AppHost with an explicit create limit (LocalStack's settings are process-wide, so each stack sets its own).</summary>
internal sealed class WebLocalStack(int createLimit) : LocalStack
{
    protected override IEnumerable<KeyValuePair<string, string>> Environment =>
        [new("GROUNDWORK_CREATE_LIMIT", createLimit.ToString(System.Globalization.CultureInfo.InvariantCulture))];
}

/// <summary>
/// One local stack (AppHost: databases, Redis, two Api instances, the edge serving web/dist) and one Chromium for
/// every browser test. Each test opens its own browser context (fresh cookies) with <see cref="OpenAsync"/>.
/// </summary>
public class WebStack : IAsyncLifetime
{
    /// <summary>The AppHost's default create limit: high enough that no test here meets it.</summary>
    public WebStack() : this(createLimit: 600)
    {
    }

    protected WebStack(int createLimit)
    {
        Stack = new WebLocalStack(createLimit);
    }

    /// <summary>The OS Chromium (Playwright's own download does not work here); GROUNDWORK_CHROMIUM overrides it.</summary>
    public static string ChromiumPath => Environment.GetEnvironmentVariable("GROUNDWORK_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private IPlaywright? playwright;
    private IBrowser? browser;

    public LocalStack Stack { get; }
    public StubTarget Target { get; private set; } = null!;
    public IBrowser Browser => browser ?? throw new InvalidOperationException("Chromium is not started.");
    public Uri EdgeUrl => Stack.EdgeUrl;

    public async Task InitializeAsync()
    {
        WebTestPaths.EnsureWebBuilt();
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"Chromium not found at {ChromiumPath}: `apt-get install -y chromium` (or set GROUNDWORK_CHROMIUM).");
        }
        // Other suites may load the 2 cores at the same time: wait as long for a page as for an action.
        Assertions.SetDefaultExpectTimeout(15_000);
        Target = new StubTarget();
        await Stack.InitializeAsync();
        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run",
                // The stubbed external site, and nothing else off this machine: any other host fails to resolve.
                $"--host-resolver-rules=MAP {StubTarget.Host} 127.0.0.1:{Target.Port}, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            ],
        });
    }

    public async Task DisposeAsync()
    {
        if (browser is not null)
        {
            await browser.CloseAsync();
        }
        playwright?.Dispose();
        await Stack.DisposeAsync();
        Target?.Dispose();
    }

    public Task<BrowserSession> OpenAsync(string testName, BrowserNewContextOptions? options = null) =>
        BrowserSession.OpenAsync(this, testName, options);

    /// <summary>Creates a link through the public API (setup that is not itself under test).</summary>
    public async Task<CreatedLinkJson> CreateLinkAsync(string url, string? slug = null)
    {
        using var client = Stack.CreateEdgeClient();
        using var response = await client.PostAsJsonAsync("/api/links", new { url, slug });
        Assert.True(response.IsSuccessStatusCode, $"creating a link failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<CreatedLinkJson>(JsonSerializerOptions.Web))!;
    }

    /// <summary>GET of a short link without following it: what a client sees from the edge.</summary>
    public async Task<HttpResponseMessage> GetShortLinkAsync(string slug)
    {
        using var client = Stack.CreateEdgeClient();
        return await client.GetAsync("/" + slug);
    }

    /// <summary>
    /// GET of a short link until it answers <paramref name="expected"/> or a deadline passes (then the last answer).
    /// An admin change is written through to Redis at once, but the other instances' in-memory copies are evicted by
    /// the backplane, asynchronously: for a moment an instance may still answer the old state.
    /// </summary>
    public async Task<HttpResponseMessage> GetShortLinkEventuallyAsync(string slug, System.Net.HttpStatusCode expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var response = await GetShortLinkAsync(slug);
            if (response.StatusCode == expected || DateTime.UtcNow > deadline)
            {
                return response;
            }
            response.Dispose();
            await Task.Delay(200);
        }
    }

    public static string UniqueSlug(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 64)];
}

/// <summary>The 201 body of POST /api/links as the browser tests read it back (the Api's own type is CreatedLink).</summary>
public sealed record CreatedLinkJson(string Slug, string Url, string ShortUrl, DateTime CreatedAt);
