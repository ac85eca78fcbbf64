namespace Groundwork.Routing.Tests;

/// <summary>ALB semantics of the evaluator, on rules written to tell them apart.</summary>
public sealed class EvaluatorTests
{
    // Listed out of priority order on purpose: the file's order means nothing, as on the ALB.
    private static readonly RoutingRules Rules = RoutingRules.Parse("""
        {
          "albListenerRules": [
            { "name": "api", "priority": 20, "pathPatterns": ["/api/*"], "target": "app" },
            { "name": "both", "priority": 10, "hostHeaders": ["tools.*"], "pathPatterns": ["/api/*"], "authenticate": true, "target": "tools" },
            { "name": "gone", "priority": 30, "pathPatterns": ["/old/*"], "action": "not-found" }
          ],
          "albDefaultTarget": "app",
          "staticSite": { "pathPatterns": ["/", "/assets/*"], "immutablePathPatterns": ["/assets/*"], "albHostHeaders": ["tools.*"] }
        }
        """);

    [Fact]
    public void Rules_apply_in_priority_order_not_file_order() =>
        Assert.Equal(new RouteDecision.Forward("both", "tools", true), Rules.EvaluateListener("tools.example.com", "/api/x"));

    [Fact]
    public void Every_condition_of_a_rule_must_match()
    {
        // Host matches "both" but the path does not: the next rule by priority, then the default.
        Assert.Equal(new RouteDecision.Forward("default", "app", false), Rules.EvaluateListener("tools.example.com", "/x"));
        // Path matches "both" but the host does not.
        Assert.Equal(new RouteDecision.Forward("api", "app", false), Rules.EvaluateListener("example.com", "/api/x"));
    }

    [Fact]
    public void Fixed_responses_and_the_default_action() =>
        Assert.Equal(new RouteDecision.Fixed("gone", 404), Rules.EvaluateListener("example.com", "/old/page"));

    [Fact]
    public void The_static_site_answers_first_but_only_on_the_hosts_cloudfront_serves()
    {
        Assert.Equal(new RouteDecision.Static("/assets/*", Immutable: true, NoCache: false), Rules.Route("example.com", "/assets/a.js"));
        Assert.Equal(new RouteDecision.Forward("default", "app", false), Rules.Route("TOOLS.example.com", "/assets/a.js"));
    }
}
