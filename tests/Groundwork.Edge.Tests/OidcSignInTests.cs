using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Groundwork.Edge.Tests;

/// <summary>With Edge:Oidc configured, the edge signs users in at a real OpenID Connect provider (Google in production).</summary>
public sealed class OidcSignInTests : IAsyncLifetime
{
    private FakeOidcProvider provider = null!;
    private EdgeHost edge = null!;
    private Backend app = null!;

    public async Task InitializeAsync()
    {
        provider = await FakeOidcProvider.StartAsync();
        edge = await EdgeHost.StartAsync(new Dictionary<string, string?>
        {
            ["Edge:Oidc:Authority"] = provider.Authority,
            ["Edge:Oidc:ClientId"] = FakeOidcProvider.ClientId,
            ["Edge:Oidc:ClientSecret"] = FakeOidcProvider.ClientSecret,
        });
        var options = new EdgeOptions();
        app = await Backend.StartAsync("api-1", new Dictionary<string, string?>
        {
            ["AlbIdentity:SignerArn"] = options.AlbArn,
            ["AlbIdentity:KeyEndpoint"] = $"{edge.BaseUrl}/_edge/alb-keys",
            ["Admin:Domains"] = "example.com",
        });
        using var put = await edge.Client.PutAsJsonAsync("/_edge/targets/api-1", new { url = app.Url });
        put.EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync()
    {
        await edge.DisposeAsync();
        await app.DisposeAsync();
        await provider.DisposeAsync();
    }

    /// <summary>Follows redirects one by one, like a browser, across the edge and the provider.</summary>
    private static async Task<HttpResponseMessage> BrowseAsync(HttpClient browser, string url, int maxRedirects = 10)
    {
        var next = new Uri(browser.BaseAddress!, url);
        for (var i = 0; ; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, next);
            request.Headers.Accept.ParseAdd("text/html");
            var response = await browser.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.Redirect || i == maxRedirects)
            {
                return response;
            }

            next = new Uri(next, response.Headers.Location!);
            response.Dispose();
        }
    }

    [Fact]
    public async Task Browser_signs_in_at_the_provider_and_the_app_sees_the_provider_identity()
    {
        using var browser = edge.NewClient(new CookieContainer());
        provider.NextEmail = "alice@example.com";

        using var landed = await BrowseAsync(browser, "/admin/api/whoami");

        Assert.Equal(HttpStatusCode.OK, landed.StatusCode);
        Assert.Equal(1, provider.TokenRequests);
        var body = await landed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("alice@example.com", body.GetProperty("email").GetString());
        Assert.StartsWith("google-", body.GetProperty("sub").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unverified_email_from_the_provider_is_refused()
    {
        using var browser = edge.NewClient(new CookieContainer());
        provider.NextEmailVerified = false;

        using var landed = await BrowseAsync(browser, "/admin/api/whoami");

        Assert.Equal(HttpStatusCode.Unauthorized, landed.StatusCode);
        Assert.Equal("application/problem+json", landed.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_local_email_form_is_switched_off()
    {
        using var browser = edge.NewClient(new CookieContainer());

        using var post = await browser.PostAsync("/_edge/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = "mallory@example.com",
            ["returnUrl"] = "/admin",
        }));
        using var signInPage = await browser.GetAsync("/_edge/signin?returnUrl=%2Fadmin");

        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, signInPage.StatusCode);
        Assert.StartsWith($"{provider.Authority}/authorize?", signInPage.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_redirect_is_still_refused_before_going_to_the_provider()
    {
        using var browser = edge.NewClient(new CookieContainer());

        using var response = await browser.GetAsync("/_edge/signin?returnUrl=https%3A%2F%2Fevil.example");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
