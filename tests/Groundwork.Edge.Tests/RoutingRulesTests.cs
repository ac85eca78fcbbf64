namespace Groundwork.Edge.Tests;

/// <summary>The shared config/routing.json, as the edge evaluates it (Groundwork.Routing, the same evaluator as the ALB's).</summary>
public sealed class RoutingRulesTests
{
    private static readonly RoutingRules Rules = RoutingRules.Load(EdgeHost.FindRoutingFile());

    [Theory]
    [InlineData("/health/ready")]
    [InlineData("/health/live")]
    public void Health_paths_are_not_public(string path) =>
        Assert.Equal(new RouteDecision.Fixed("health-not-public", 404), Rules.Route("localhost", path));

    [Theory]
    [InlineData("/admin")]
    [InlineData("/admin/")]
    [InlineData("/admin/api/links")]
    public void Admin_is_authenticated_and_forwarded_to_the_app(string path) =>
        Assert.Equal(new RouteDecision.Forward("admin", "app", true), Rules.Route("localhost", path));

    [Theory]
    [InlineData("/api/links", "api")]
    [InlineData("/openapi/v1.json", "api")]
    [InlineData("/abc123", "default")]
    [InlineData("/administrator", "default")] // "/admin/*" does not match it, as on the ALB
    [InlineData("/API/links", "default")]     // ALB path patterns are case-sensitive
    public void Api_and_short_links_go_to_the_app_without_authentication(string path, string rule) =>
        Assert.Equal(new RouteDecision.Forward(rule, "app", false), Rules.Route("localhost", path));

    [Theory]
    [InlineData("/", false, true)]
    [InlineData("/index.html", false, true)]
    [InlineData("/assets/app-1234.js", true, false)]
    [InlineData("/s/some/client/route", false, true)]
    [InlineData("/robots.txt", false, false)]
    public void Static_site_paths_with_their_cache_class(string path, bool immutable, bool noCache) =>
        Assert.Equal((immutable, noCache), Rules.Route("localhost", path) is RouteDecision.Static s ? (s.Immutable, s.NoCache) : (false, false));

    // The bug this replaced: rule 'api' (no host condition) matched analytics.<domain>/api/* before the host rule, so
    // Metabase's API went to the app servers without Cognito. The analytics host is wholly Metabase behind Cognito.
    [Theory]
    [InlineData("analytics.groundwork.local", "/")]
    [InlineData("analytics.groundwork.local", "/api/session")]
    [InlineData("ANALYTICS.groundwork.local", "/api/card/1/query")]
    [InlineData("analytics.groundwork.local", "/admin/settings")]
    [InlineData("analytics.groundwork.local", "/health/ready")]
    [InlineData("analytics.groundwork.local", "/assets/app.js")] // not CloudFront's host: no static site there
    public void The_analytics_host_is_wholly_metabase_behind_cognito(string host, string path) =>
        Assert.Equal(new RouteDecision.Forward("analytics", "analytics", true), Rules.Route(host, path));

    [Fact]
    public void The_origin_host_skips_the_static_site() =>
        Assert.Equal(new RouteDecision.Forward("default", "app", false), Rules.Route("origin.groundwork.local", "/"));
}
