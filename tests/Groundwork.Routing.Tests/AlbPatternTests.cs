namespace Groundwork.Routing.Tests;

/// <summary>ALB wildcard semantics and the parser's refusals.</summary>
public sealed class AlbPatternTests
{
    [Theory]
    [InlineData("*.example.com", "test.example.com", true)]
    [InlineData("*.example.com", "example.com", false)]      // the ALB documentation's own example
    [InlineData("analytics.*", "Analytics.Groundwork.Example", true)]
    [InlineData("analytics.*", "analytics", false)]
    [InlineData("a?c.example.com", "abc.example.com", true)]
    [InlineData("a?c.example.com", "ac.example.com", false)]
    public void Hosts(string pattern, string host, bool matches) => Assert.Equal(matches, AlbPattern.MatchesHost(pattern, host));

    [Theory]
    [InlineData("/api/*", "/api/", true)]
    [InlineData("/api/*", "/api", false)]
    [InlineData("/api/*", "/API/links", false)]
    [InlineData("/admin", "/admin", true)]
    [InlineData("/admin", "/admin/", false)]
    [InlineData("/*/stats", "/a/b/stats", true)]              // '*' crosses '/'
    [InlineData("/*/stats", "/a/b/stat", false)]
    [InlineData("/a*b*c", "/aXXbYYbZZc", true)]
    [InlineData("/a*b*c", "/aXXbYYbZZ", false)]
    public void Paths(string pattern, string path, bool matches) => Assert.Equal(matches, AlbPattern.MatchesPath(pattern, path));

    private const string Valid = """{ "name": "x", "priority": 1, "pathPatterns": ["/x/*"], "target": "app" }""";

    [Theory]
    [InlineData("[" + Valid + "," + Valid + "]", "priorities must be unique")]
    [InlineData("""[{ "name": "x", "priority": 1, "target": "app" }]""", "has no condition")]
    [InlineData("""[{ "name": "x", "priority": 0, "pathPatterns": ["/x"], "target": "app" }]""", "outside 1..50000")]
    [InlineData("""[{ "name": "x", "priority": 1, "pathPatterns": ["x/*"], "target": "app" }]""", "must start with '/'")]
    [InlineData("""[{ "name": "x", "priority": 1, "hostHeaders": ["nodot"], "target": "app" }]""", "invalid host pattern")]
    [InlineData("""[{ "name": "x", "priority": 1, "pathPatterns": ["/x"] }]""", "names no target")]
    [InlineData("""[{ "name": "default", "priority": 1, "pathPatterns": ["/x"], "target": "app" }]""", "default action")]
    public void The_parser_refuses_rules_the_alb_would_not_take(string rules, string message)
    {
        var json = $$"""{ "albListenerRules": {{rules}}, "albDefaultTarget": "app", "staticSite": { "pathPatterns": ["/"] } }""";
        var error = Assert.Throws<InvalidDataException>(() => RoutingRules.Parse(json));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
