using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Groundwork.Edge.Tests;

/// <summary>Requests through the edge to two real app instances: rules, round robin, ALB headers.</summary>
public sealed class EdgeRoutingTests(EdgeFixture fixture) : IClassFixture<EdgeFixture>
{
    private HttpClient Client => fixture.Edge.Client;

    [Theory]
    [InlineData("/api/links/abc")]
    [InlineData("/openapi/v1.json")]
    [InlineData("/abc123")]
    public async Task App_paths_are_forwarded_unchanged(string path)
    {
        var body = await Client.GetFromJsonAsync<JsonElement>(path + "?x=1");

        Assert.Contains(body.GetProperty("instance").GetString(), new[] { "api-1", "api-2" });
        Assert.Equal(path, body.GetProperty("path").GetString());
        Assert.Equal("?x=1", body.GetProperty("query").GetString());
    }

    [Theory]
    [InlineData("/health/ready")]
    [InlineData("/health/live")]
    public async Task Health_endpoints_are_404_publicly(string path)
    {
        var before = fixture.Api1.Requests + fixture.Api2.Requests;

        using var response = await Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, fixture.Api1.Requests + fixture.Api2.Requests);
    }

    [Fact]
    public async Task Short_link_redirect_is_passed_through_not_followed()
    {
        using var response = await Client.GetAsync("/xyz?redirect=https%3A%2F%2Fexample.com%2Ftarget");

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("https://example.com/target", response.Headers.Location?.ToString());
    }

    [Fact]
    public async Task Post_with_body_is_forwarded()
    {
        using var response = await Client.PostAsJsonAsync("/api/links", new { url = "https://example.com" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("POST", body.GetProperty("method").GetString());
        Assert.Contains("https://example.com", body.GetProperty("body").GetString());
    }

    [Fact]
    public async Task Requests_are_spread_round_robin_over_every_target()
    {
        var instances = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            var body = await Client.GetFromJsonAsync<JsonElement>("/api/round-robin");
            instances.Add(body.GetProperty("instance").GetString()!);
        }

        Assert.Equal(5, instances.Count(i => i == "api-1"));
        Assert.Equal(5, instances.Count(i => i == "api-2"));
        Assert.All(instances.Zip(instances.Skip(1)), pair => Assert.NotEqual(pair.First, pair.Second));
    }

    [Fact]
    public async Task The_app_gets_the_ALB_headers_and_the_original_host()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/headers");
        request.Headers.Host = "sho.rt";

        using var response = await Client.SendAsync(request);
        var headers = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("headers");

        Assert.Equal("sho.rt", headers.GetProperty("host").GetString());
        Assert.Equal("127.0.0.1", headers.GetProperty("x-forwarded-for").GetString());
        Assert.Equal("http", headers.GetProperty("x-forwarded-proto").GetString());
        Assert.Equal("sho.rt", headers.GetProperty("x-forwarded-host").GetString());
        Assert.Matches("^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$", headers.GetProperty("x-amzn-trace-id").GetString());
    }

    [Theory]
    [InlineData("/api/links")]
    [InlineData("/abc123")]
    public async Task Client_sent_identity_headers_never_reach_the_app(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("x-amzn-oidc-data", "forged.token.here");
        request.Headers.TryAddWithoutValidation("X-Amzn-Oidc-Identity", "admin");
        request.Headers.TryAddWithoutValidation("x-amzn-oidc-accesstoken", "forged");
        request.Headers.TryAddWithoutValidation("x-amzn-oidc-anything-else", "forged");

        using var response = await Client.SendAsync(request);
        var headers = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("headers");

        Assert.DoesNotContain(headers.EnumerateObject(), h => h.Name.StartsWith("x-amzn-oidc-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Admin_without_a_session_is_401_for_api_clients_and_a_sign_in_redirect_for_browsers()
    {
        var before = fixture.Api1.Requests + fixture.Api2.Requests;
        using var api = new HttpRequestMessage(HttpMethod.Get, "/admin/api/links");
        api.Headers.Accept.ParseAdd("application/json");
        using var browser = new HttpRequestMessage(HttpMethod.Get, "/admin/links?page=2");
        browser.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,*/*;q=0.8");

        using var apiResponse = await Client.SendAsync(api);
        using var browserResponse = await Client.SendAsync(browser);

        Assert.Equal(HttpStatusCode.Unauthorized, apiResponse.StatusCode);
        Assert.Equal("application/problem+json", apiResponse.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Redirect, browserResponse.StatusCode);
        Assert.Equal("/_edge/signin?returnUrl=%2Fadmin%2Flinks%3Fpage%3D2", browserResponse.Headers.Location?.OriginalString);
        Assert.Equal(before, fixture.Api1.Requests + fixture.Api2.Requests);
    }

    [Fact]
    public async Task Analytics_host_rule_asks_for_sign_in_first()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Host = "analytics.groundwork.local";
        // Authentication comes first, as on the ALB; an API client therefore sees 401.
        using var response = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Edge_endpoints_are_not_proxied()
    {
        var before = fixture.Api1.Requests + fixture.Api2.Requests;

        using var response = await Client.GetAsync("/_edge/health");
        using var unknown = await Client.GetAsync("/_edge/nothing-here");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(before, fixture.Api1.Requests + fixture.Api2.Requests);
    }
}
