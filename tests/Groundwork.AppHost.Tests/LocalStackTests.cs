using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Groundwork.Testing;
using Xunit.Abstractions;

namespace Groundwork.AppHost.Tests;

/// <summary>The whole local topology, driven through the edge exactly as a user drives http://127.0.0.1:8080.</summary>
public sealed class LocalStackTests(LocalStack stack, ITestOutputHelper output) : IClassFixture<LocalStack>
{
    [Fact]
    public async Task Create_a_link_and_follow_it_through_the_edge()
    {
        output.WriteLine($"stack start-up to all healthy: {stack.StartUpTime.TotalSeconds:F1} s");
        using var client = stack.CreateEdgeClient();
        var created = await client.PostAsJsonAsync("/api/links", new { url = "https://example.com/through-the-edge" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var slug = body.GetProperty("slug").GetString()!;
        Assert.Equal($"{stack.EdgeUrl.ToString().TrimEnd('/')}/{slug}", body.GetProperty("shortUrl").GetString());

        // Round robin: every instance answers the redirect.
        for (var i = 0; i < 4; i++)
        {
            var redirect = await client.GetAsync("/" + slug);
            Assert.Equal(HttpStatusCode.Found, redirect.StatusCode);
            Assert.Equal("https://example.com/through-the-edge", redirect.Headers.Location!.OriginalString);
        }
        var stats = await client.GetFromJsonAsync<JsonElement>($"/api/links/{slug}");
        Assert.Equal(slug, stats.GetProperty("slug").GetString());
    }

    [Fact]
    public async Task Health_is_not_public_but_every_instance_answers_it()
    {
        using var edge = stack.CreateEdgeClient();
        Assert.Equal(HttpStatusCode.NotFound, (await edge.GetAsync("/health/ready")).StatusCode);
        for (var i = 1; i <= stack.ApiInstances; i++)
        {
            using var instance = stack.CreateInstanceClient(i);
            Assert.Equal(HttpStatusCode.OK, (await instance.GetAsync("/health/live")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await instance.GetAsync("/health/ready")).StatusCode);
        }
    }

    [Fact]
    public async Task An_allowlisted_admin_disables_a_link_and_every_instance_answers_410_within_a_second()
    {
        using var anonymous = stack.CreateEdgeClient();
        var slug = (await (await anonymous.PostAsJsonAsync("/api/links", new { url = "https://example.com/to-disable" }))
            .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("slug").GetString()!;
        // Warm every instance's memory cache with the enabled link.
        for (var i = 1; i <= stack.ApiInstances; i++)
        {
            using var instance = stack.CreateInstanceClient(i);
            Assert.Equal(HttpStatusCode.Found, (await instance.GetAsync("/" + slug)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/admin/api/links")).StatusCode);

        using var admin = stack.CreateEdgeClient(new CookieContainer());
        await EdgeSignIn.SignInAsync(admin, "admin@example.com");
        var me = await admin.GetFromJsonAsync<JsonElement>("/admin/api/me");
        var root = await admin.GetAsync("/admin");
        Assert.Equal(HttpStatusCode.Redirect, root.StatusCode);
        Assert.Equal("/admin/", root.Headers.Location!.OriginalString);
        var console = await admin.GetAsync("/admin/");
        Assert.NotEqual(HttpStatusCode.Redirect, console.StatusCode); // the console (or "not built"), never a loop
        Assert.Equal("admin@example.com", me.GetProperty("email").GetString());

        var disabled = await admin.PostAsync($"/admin/api/links/{slug}/disable", null);
        Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        var clock = Stopwatch.StartNew();
        for (var i = 1; i <= stack.ApiInstances; i++)
        {
            using var instance = stack.CreateInstanceClient(i);
            HttpStatusCode status;
            do
            {
                status = (await instance.GetAsync("/" + slug)).StatusCode;
            }
            while (status != HttpStatusCode.Gone && clock.Elapsed < TimeSpan.FromSeconds(1));
            Assert.Equal(HttpStatusCode.Gone, status);
        }
        output.WriteLine($"410 on every instance after {clock.ElapsedMilliseconds} ms");

        var audit = await admin.GetFromJsonAsync<JsonElement>("/admin/api/audit");
        var entry = audit.GetProperty("items").EnumerateArray().First(e => e.GetProperty("slug").GetString() == slug);
        Assert.Equal("disable", entry.GetProperty("action").GetString());
        Assert.Equal("admin@example.com", entry.GetProperty("actor").GetString());
    }

    [Fact]
    public async Task A_signed_in_user_who_is_not_an_admin_gets_403_and_forged_headers_get_401()
    {
        using var user = stack.CreateEdgeClient(new CookieContainer());
        await EdgeSignIn.SignInAsync(user, "someone@example.org");
        Assert.Equal(HttpStatusCode.Forbidden, (await user.GetAsync("/admin/api/links")).StatusCode);

        using var instance = stack.CreateInstanceClient(1);
        using var forged = new HttpRequestMessage(HttpMethod.Get, "/admin/api/links");
        forged.Headers.Add("x-amzn-oidc-data", "eyJhbGciOiJub25lIn0=.eyJlbWFpbCI6ImFkbWluQGV4YW1wbGUuY29tIn0=.");
        Assert.Equal(HttpStatusCode.Unauthorized, (await instance.SendAsync(forged)).StatusCode);
    }
}
