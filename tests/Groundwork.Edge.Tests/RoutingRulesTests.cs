namespace Groundwork.Edge.Tests;

/// <summary>The shared config/routing.json, as the edge reads it.</summary>
public sealed class RoutingRulesTests
{
    private static readonly RoutingRules Rules = RoutingRules.Load(EdgeHost.FindRoutingFile());

    [Theory]
    [InlineData("/health/ready")]
    [InlineData("/health/live")]
    public void Health_paths_are_not_public(string path) =>
        Assert.Equal(new EdgeRoute.Fixed("health-not-public", 404), Rules.Classify("localhost:8080", path));

    [Theory]
    [InlineData("/admin")]
    [InlineData("/admin/")]
    [InlineData("/admin/api/links")]
    public void Admin_is_authenticated_and_forwarded_to_the_app(string path) =>
        Assert.Equal(new EdgeRoute.Forward("admin", "app", true), Rules.Classify("localhost", path));

    [Theory]
    [InlineData("/api/links", "api")]
    [InlineData("/openapi/v1.json", "api")]
    [InlineData("/abc123", "default")]
    [InlineData("/administrator", "default")] // "/admin/*" does not match it, as on the ALB
    [InlineData("/API/links", "default")]     // ALB path patterns are case-sensitive
    public void Api_and_short_links_go_to_the_app_without_authentication(string path, string rule) =>
        Assert.Equal(new EdgeRoute.Forward(rule, "app", false), Rules.Classify("localhost", path));

    [Theory]
    [InlineData("/", false, true)]
    [InlineData("/index.html", false, true)]
    [InlineData("/assets/app-1234.js", true, false)]
    [InlineData("/s/some/client/route", false, true)]
    [InlineData("/robots.txt", false, false)]
    public void Static_site_paths_with_their_cache_class(string path, bool immutable, bool noCache) =>
        Assert.Equal(new EdgeRoute.Static(immutable, noCache), Rules.Classify("localhost", path));

    [Fact]
    public void Host_rule_wins_over_the_static_site_and_needs_authentication() =>
        Assert.Equal(new EdgeRoute.Forward("analytics", "analytics", true), Rules.Classify("analytics.groundwork.local:8080", "/"));
}
