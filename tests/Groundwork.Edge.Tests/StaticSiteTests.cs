using System.Net;

namespace Groundwork.Edge.Tests;

/// <summary>The CloudFront half of the edge: files from web/dist with CloudFront's caching, compression and headers.</summary>
public sealed class StaticSiteTests(EdgeFixture fixture) : IClassFixture<EdgeFixture>
{
    private HttpClient Client => fixture.Edge.Client;

    [Theory]
    [InlineData("/")]
    [InlineData("/index.html")]
    public async Task Entry_point_is_index_html_revalidated_every_time(string path)
    {
        using var response = await Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(EdgeFixture.IndexMarker, await response.Content.ReadAsStringAsync());
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.NoCache);
    }

    [Fact]
    public async Task Hashed_assets_are_cached_for_a_year_as_immutable()
    {
        using var response = await Client.GetAsync(EdgeFixture.AssetPath);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(EdgeFixture.AssetText, await response.Content.ReadAsStringAsync());
        Assert.Equal("public, max-age=31536000, immutable", string.Join(", ", response.Headers.GetValues("Cache-Control")));
        Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("br")]
    [InlineData("gzip")]
    public async Task Text_is_compressed_when_the_client_accepts_it(string encoding)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, EdgeFixture.AssetPath);
        request.Headers.AcceptEncoding.ParseAdd(encoding);

        using var response = await Client.SendAsync(request);
        var compressed = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(encoding, Assert.Single(response.Content.Headers.ContentEncoding));
        Assert.True(compressed.Length < EdgeFixture.AssetText.Length / 4, $"{compressed.Length} bytes compressed");
    }

    [Theory]
    [InlineData("/s/abc123")]
    [InlineData("/s/links/new/deep")]
    public async Task Client_side_routes_fall_back_to_index_html(string path)
    {
        using var response = await Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(EdgeFixture.IndexMarker, await response.Content.ReadAsStringAsync());
        Assert.True(response.Headers.CacheControl?.NoCache);
    }

    [Fact]
    public async Task Security_headers_are_set_and_HSTS_only_over_https()
    {
        using var response = await Client.GetAsync("/");

        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("default-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("strict-origin-when-cross-origin", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task Other_listed_files_get_a_short_cache_and_missing_ones_404_without_reaching_the_app()
    {
        var before = fixture.Api1.Requests + fixture.Api2.Requests;
        using var robots = await Client.GetAsync("/robots.txt");
        using var missingAsset = await Client.GetAsync("/assets/missing.js");
        using var missingFavicon = await Client.GetAsync("/favicon.ico");

        Assert.Equal(HttpStatusCode.OK, robots.StatusCode);
        Assert.Equal(TimeSpan.FromHours(1), robots.Headers.CacheControl?.MaxAge);
        Assert.Equal(HttpStatusCode.NotFound, missingAsset.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missingFavicon.StatusCode);
        Assert.Equal(before, fixture.Api1.Requests + fixture.Api2.Requests);
    }

    [Fact]
    public async Task Conditional_get_is_answered_with_304()
    {
        using var first = await Client.GetAsync(EdgeFixture.AssetPath);
        using var request = new HttpRequestMessage(HttpMethod.Get, EdgeFixture.AssetPath);
        request.Headers.IfNoneMatch.Add(first.Headers.ETag!);

        using var second = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
    }

    [Fact]
    public async Task The_static_site_is_read_only()
    {
        using var response = await Client.PostAsync("/", new StringContent("x"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Without_a_built_site_a_placeholder_page_is_served()
    {
        await using var edge = await EdgeHost.StartAsync(new Dictionary<string, string?> { ["Edge:StaticRoot"] = "/nonexistent/web/dist" });

        using var page = await edge.Client.GetAsync("/");
        using var asset = await edge.Client.GetAsync("/assets/app.js");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Groundwork", await page.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, asset.StatusCode);
    }
}
