using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Groundwork.Routing;
using Groundwork.Routing.Cases;

namespace Groundwork.Infra.Tests;

/// <summary>
/// Routing is one thing: what CloudFormation would configure (the synthesized CloudFront distribution and ALB listener
/// rules, read from the template JSON and evaluated with CloudFront/ALB semantics here, independently of
/// Groundwork.Routing) and what the local edge decides (Groundwork.Routing's evaluator, which the edge calls for every
/// request) agree on every case of <see cref="RoutingCases"/>, and both give the expected target.
/// </summary>
[Collection(SynthesizedCollection.Name)]
public sealed class RoutingAgreementTests(SynthesizedApp app)
{
    public static TheoryData<string> Environments => new() { "staging", "production" };

    /// <summary>CloudFront's managed AllViewer origin request policy: the viewer's Host header reaches the ALB.</summary>
    private const string AllViewerPolicy = "216adef6-5c7f-47e4-b989-5492eafa07d3";

    [Theory, MemberData(nameof(Environments))]
    public void Synthesized_aws_routing_and_the_edge_agree_on_every_case(string env)
    {
        var domain = app.Environments.Single(e => e.Name == env).Domain;
        var aws = new SynthesizedRouting(app, env);
        var failures = new List<string>();
        foreach (var @case in RoutingCases.All)
        {
            var host = RoutingCases.HostName(@case.Host, domain);
            var inAws = aws.Decide(host, @case.Path);
            var atEdge = Edge(app.Routing.Route(host, @case.Path));
            if (inAws.Outcome != @case.Expected || atEdge.Outcome != @case.Expected || inAws.Detail != atEdge.Detail)
                failures.Add($"{host}{@case.Path}: expected {@case.Expected}; AWS {inAws}; edge {atEdge}");
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Theory, MemberData(nameof(Environments))]
    public void The_edge_serves_the_static_site_on_exactly_the_hosts_dns_sends_to_cloudfront(string env)
    {
        var aws = new SynthesizedRouting(app, env);
        var toAlb = app.Resources($"Groundwork-{env}-App", "AWS::Route53::RecordSet")
            .Where(r => TemplateQueries.Text(r.Properties["AliasTarget"]).Contains("Alb", StringComparison.Ordinal))
            .Select(r => ((string)r.Properties["Name"]!).TrimEnd('.')).ToList();
        Assert.Equal(2, toAlb.Count);
        Assert.All(toAlb, h => Assert.False(app.Routing.StaticSite.Serves(h), $"{h} names the ALB, but the edge would serve the static site there"));
        Assert.All(aws.CloudFrontAliases, h => Assert.True(app.Routing.StaticSite.Serves(h), $"{h} is CloudFront's, but the edge would skip the static site"));
    }

    [Theory, MemberData(nameof(Environments))]
    public void The_evaluator_here_is_not_blind_to_the_old_bug(string env)
    {
        // Replay the ordering that shipped before (api at 20 before analytics at 30) through the same template
        // evaluator: it must route analytics.<domain>/api/* to the app without sign-in. A guard that this test's own
        // ALB model gives priorities their meaning.
        var aws = new SynthesizedRouting(app, env, priorityOverride: name => name.Contains("analytics", StringComparison.Ordinal) ? 30 : null);
        var domain = app.Environments.Single(e => e.Name == env).Domain;
        Assert.Equal("app", aws.Decide($"analytics.{domain}", "/api/session/properties").Outcome);
        Assert.Equal("analytics+cognito", aws.Decide($"analytics.{domain}", "/question/1").Outcome);
    }

    private (string Outcome, string Detail) Edge(RouteDecision decision) => decision switch
    {
        RouteDecision.Static s => ("static", s.PathPattern),
        RouteDecision.Fixed f => (f.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture), Priority(f.RuleName)),
        RouteDecision.Forward f => (f.Authenticate ? $"{f.Target}+cognito" : f.Target, Priority(f.RuleName)),
        _ => throw new InvalidOperationException(decision.ToString()),
    };

    private string Priority(string rule) => rule == RouteDecision.DefaultRuleName
        ? "default"
        : app.Routing.AlbListenerRules.Single(r => r.Name == rule).Priority.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>CloudFront and the ALB as the synthesized templates configure them.</summary>
    private sealed class SynthesizedRouting
    {
        private readonly SynthesizedApp app;
        private readonly string env;
        private readonly JsonNode distribution;
        private readonly List<(int Priority, Resource Rule)> rules;
        private readonly Resource listener;

        public IReadOnlyList<string> CloudFrontAliases { get; }

        public SynthesizedRouting(SynthesizedApp app, string env, Func<string, int?>? priorityOverride = null)
        {
            this.app = app;
            this.env = env;
            distribution = Assert.Single(app.Resources($"Groundwork-{env}-StaticSite", "AWS::CloudFront::Distribution")).Properties["DistributionConfig"]!;
            CloudFrontAliases = TemplateQueries.Array(distribution["Aliases"]).Select(a => (string)a!).ToList();
            rules = app.Resources($"Groundwork-{env}-App", "AWS::ElasticLoadBalancingV2::ListenerRule")
                .Select(r => (priorityOverride?.Invoke(r.LogicalId) ?? (int)r.Properties["Priority"]!, r))
                .OrderBy(r => r.Item1).ToList();
            listener = app.Resources($"Groundwork-{env}-App", "AWS::ElasticLoadBalancingV2::Listener").Single(l => (int)l.Properties["Port"]! == 443);
        }

        public (string Outcome, string Detail) Decide(string host, string path)
        {
            // DNS: CloudFront answers its aliases; every other name here is an alias of the ALB.
            if (CloudFrontAliases.Any(a => string.Equals(a, host, StringComparison.OrdinalIgnoreCase)))
            {
                // CloudFront: the first cache behaviour whose pattern matches, in template order, else the default.
                var behaviour = TemplateQueries.Array(distribution["CacheBehaviors"])
                    .FirstOrDefault(b => Glob((string)b["PathPattern"]!, path, ignoreCase: false)) ?? distribution["DefaultCacheBehavior"]!;
                var origin = TemplateQueries.Array(distribution["Origins"]).Single(o => (string?)o["Id"] == (string?)behaviour["TargetOriginId"]);
                if (origin["S3OriginConfig"] is not null)
                    return ("static", (string?)behaviour["PathPattern"] ?? "(default)");
                // Without AllViewer, CloudFront would send the origin's own name as Host.
                if ((string?)behaviour["OriginRequestPolicyId"] != AllViewerPolicy)
                    host = (string)origin["DomainName"]!;
            }

            // ALB: ascending priority; every condition must match; first match acts; else the default actions.
            foreach (var (priority, rule) in rules)
            {
                if (TemplateQueries.Array(rule.Properties["Conditions"]).All(c => ConditionMatches(c, host, path)))
                    return (Act(rule, rule.Properties["Actions"]), priority.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            return (Act(listener, listener.Properties["DefaultActions"]), "default");
        }

        private static bool ConditionMatches(JsonNode condition, string host, string path) => (string?)condition["Field"] switch
        {
            // Host names are case-insensitive; path patterns are case-sensitive (ALB documentation, condition types).
            "host-header" => Values(condition, "HostHeaderConfig").Any(v => Glob(v, host, ignoreCase: true)),
            "path-pattern" => Values(condition, "PathPatternConfig").Any(v => Glob(v, path, ignoreCase: false)),
            var other => throw new NotSupportedException($"This model of the ALB does not evaluate '{other}' conditions."),
        };

        private static IEnumerable<string> Values(JsonNode condition, string config) =>
            TemplateQueries.Array(condition[config]?["Values"] ?? condition["Values"]).Select(v => (string)v!);

        private string Act(Resource owner, JsonNode? actions)
        {
            var ordered = TemplateQueries.Array(actions).OrderBy(a => (int?)a["Order"] ?? 0).ToList();
            var authenticated = ordered.Any(a => (string?)a["Type"] == "authenticate-cognito");
            var last = ordered[^1];
            switch ((string?)last["Type"])
            {
                case "fixed-response":
                    return (string)last["FixedResponseConfig"]!["StatusCode"]!;
                case "forward":
                    var group = (string)app.Target(owner.Stack, last["TargetGroupArn"])!.Properties["Name"]!;
                    var target = group == $"groundwork-{env}-app" ? "app" : group == $"groundwork-{env}-metabase" ? "analytics" : group;
                    return authenticated ? $"{target}+cognito" : target;
                default:
                    throw new NotSupportedException((string?)last["Type"]);
            }
        }

        private static bool Glob(string pattern, string value, bool ignoreCase) =>
            Regex.IsMatch(value, "^" + Regex.Escape(pattern).Replace(@"\*", ".*").Replace(@"\?", ".") + "$",
                RegexOptions.Singleline | RegexOptions.CultureInvariant | (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None));
    }
}
