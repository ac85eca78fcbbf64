using System.Text.Json;
using System.Text.Json.Serialization;
using Groundwork.Workspace;

namespace Groundwork.Routing;

/// <summary>
/// The public routing of the architecture (config/routing.json): CloudFront's static-site behaviours in front of the
/// ALB's listener rules. The CDK app emits both from this; the local edge routes every request with
/// <see cref="Route"/>. One parser, one evaluator: the two cannot drift apart.
/// </summary>
public sealed record RoutingRules
{
    public required IReadOnlyList<ListenerRuleSpec> AlbListenerRules { get; init; }
    public required string AlbDefaultTarget { get; init; }
    public required StaticSiteRoutes StaticSite { get; init; }

    public const string FileName = "routing.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        // "$comment" keys document the file.
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>The rules in the order the ALB evaluates them (ascending priority).</summary>
    public IEnumerable<ListenerRuleSpec> InPriorityOrder => AlbListenerRules.OrderBy(r => r.Priority);

    /// <summary>
    /// What happens to a request for <paramref name="host"/> (no port) and <paramref name="path"/> (no query): first
    /// CloudFront (only on the hosts it serves), then the ALB.
    /// </summary>
    public RouteDecision Route(string host, string path)
    {
        if (StaticSite.Serves(host) && StaticSite.PathPatterns.FirstOrDefault(p => AlbPattern.MatchesPath(p, path)) is { } pattern)
        {
            return new RouteDecision.Static(pattern,
                StaticSite.ImmutablePathPatterns.Contains(pattern), StaticSite.NoCachePathPatterns.Contains(pattern));
        }

        return EvaluateListener(host, path);
    }

    /// <summary>
    /// ALB semantics: rules in ascending priority; a rule matches when every condition it has matches (a condition
    /// matches when any of its values does); the first matching rule acts; no match = the default action.
    /// </summary>
    public RouteDecision EvaluateListener(string host, string path)
    {
        foreach (var rule in InPriorityOrder)
        {
            if (rule.Matches(host, path))
            {
                return rule.Action == ListenerRuleSpec.NotFound
                    ? new RouteDecision.Fixed(rule.Name, 404)
                    : new RouteDecision.Forward(rule.Name, rule.Target!, rule.Authenticate);
            }
        }

        return new RouteDecision.Forward(RouteDecision.DefaultRuleName, AlbDefaultTarget, Authenticate: false);
    }

    public static RoutingRules Parse(string json)
    {
        var rules = JsonSerializer.Deserialize<RoutingRules>(json, Json)
            ?? throw new InvalidDataException("routing.json is empty.");
        foreach (var rule in rules.AlbListenerRules)
        {
            rule.Validate();
        }

        if (rules.AlbListenerRules.Select(r => r.Priority).Distinct().Count() != rules.AlbListenerRules.Count)
        {
            throw new InvalidDataException("routing.json: listener rule priorities must be unique.");
        }

        if (rules.AlbListenerRules.Select(r => r.Name).Distinct(StringComparer.Ordinal).Count() != rules.AlbListenerRules.Count)
        {
            throw new InvalidDataException("routing.json: listener rule names must be unique (they name the CDK constructs).");
        }

        if (rules.AlbListenerRules.Any(r => r.Name == RouteDecision.DefaultRuleName))
        {
            throw new InvalidDataException($"routing.json: '{RouteDecision.DefaultRuleName}' names the listener's default action.");
        }

        foreach (var pattern in rules.StaticSite.PathPatterns
                     .Concat(rules.StaticSite.ImmutablePathPatterns).Concat(rules.StaticSite.NoCachePathPatterns))
        {
            ListenerRuleSpec.ValidatePath("staticSite", pattern);
        }

        foreach (var extra in rules.StaticSite.ImmutablePathPatterns.Concat(rules.StaticSite.NoCachePathPatterns))
        {
            if (!rules.StaticSite.PathPatterns.Contains(extra))
            {
                throw new InvalidDataException($"routing.json: staticSite cache class names '{extra}', which is not one of its pathPatterns.");
            }
        }

        return rules;
    }

    public static RoutingRules Load(string path) => Parse(File.ReadAllText(path));

    /// <summary>
    /// The checkout's config/routing.json (the source of truth: the directory holding Groundwork.slnx) upward from each
    /// start directory; else the first config/routing.json upward (e.g. the copy next to a built assembly); else the
    /// copy next to this assembly.
    /// </summary>
    public static string LocateFile(params string[] starts)
    {
        foreach (var requireCheckout in new[] { true, false })
        {
            foreach (var start in starts)
            {
                for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                {
                    var candidate = Path.Combine(dir.FullName, "config", FileName);
                    if (File.Exists(candidate) && (!requireCheckout || RepositoryRoot.IsRoot(dir.FullName)))
                    {
                        return candidate;
                    }
                }
            }
        }

        var copy = Path.Combine(AppContext.BaseDirectory, "config", FileName);
        return File.Exists(copy)
            ? copy
            : throw new FileNotFoundException($"config/{FileName} not found upward from {string.Join(", ", starts)}.", copy);
    }
}

/// <summary>What CloudFront and the ALB do with one request.</summary>
public abstract record RouteDecision
{
    /// <summary>The name the ALB listener's default action goes by in decisions.</summary>
    public const string DefaultRuleName = "default";

    /// <summary>CloudFront serves it from the static-site bucket (behaviour <paramref name="PathPattern"/>).</summary>
    public sealed record Static(string PathPattern, bool Immutable, bool NoCache) : RouteDecision;

    /// <summary>The ALB answers itself (e.g. 404 for health paths).</summary>
    public sealed record Fixed(string RuleName, int StatusCode) : RouteDecision;

    /// <summary>The ALB forwards to a target group, after signing the user in with Cognito when the rule says so.</summary>
    public sealed record Forward(string RuleName, string Target, bool Authenticate) : RouteDecision;
}

/// <summary>One ALB listener rule: conditions on path and/or host, then an action.</summary>
public sealed record ListenerRuleSpec
{
    public required string Name { get; init; }
    public required int Priority { get; init; }
    public IReadOnlyList<string> PathPatterns { get; init; } = [];
    public IReadOnlyList<string> HostHeaders { get; init; } = [];
    /// <summary>Sign the user in with Cognito (ALB authenticate-cognito) before forwarding.</summary>
    public bool Authenticate { get; init; }
    /// <summary>The target group to forward to (app, analytics); absent when <see cref="Action"/> answers by itself.</summary>
    public string? Target { get; init; }
    /// <summary>"forward" (default) or "not-found" (a fixed 404: the path is not public).</summary>
    public string Action { get; init; } = Forward;

    public const string NotFound = "not-found";
    public const string Forward = "forward";

    /// <summary>Every condition the rule has must match; within a condition, any one value.</summary>
    public bool Matches(string host, string path) =>
        (HostHeaders.Count == 0 || HostHeaders.Any(h => AlbPattern.MatchesHost(h, host))) &&
        (PathPatterns.Count == 0 || PathPatterns.Any(p => AlbPattern.MatchesPath(p, path)));

    internal void Validate()
    {
        if (PathPatterns.Count == 0 && HostHeaders.Count == 0)
        {
            throw new InvalidDataException($"routing.json: rule '{Name}' has no condition.");
        }

        // ALB limits: priorities 1..50000; at most five condition values per rule.
        if (Priority is < 1 or > 50000)
        {
            throw new InvalidDataException($"routing.json: rule '{Name}' has priority {Priority}, outside 1..50000.");
        }

        if (PathPatterns.Count + HostHeaders.Count > 5)
        {
            throw new InvalidDataException($"routing.json: rule '{Name}' has more than 5 condition values.");
        }

        if (Action == Forward && string.IsNullOrEmpty(Target))
        {
            throw new InvalidDataException($"routing.json: rule '{Name}' forwards but names no target.");
        }

        if (Action != Forward && Action != NotFound)
        {
            throw new InvalidDataException($"routing.json: rule '{Name}' has unknown action '{Action}'.");
        }

        if (Action == NotFound && Authenticate)
        {
            throw new InvalidDataException($"routing.json: rule '{Name}' answers 404 itself; signing in first would only delay it.");
        }

        foreach (var pattern in PathPatterns)
        {
            ValidatePath(Name, pattern);
        }

        foreach (var host in HostHeaders)
        {
            // ALB host conditions: letters, digits, '-', '.', '*', '?', at least one '.', max 128 characters.
            if (host.Length is 0 or > 128 || !host.Contains('.') ||
                host.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '*' or '?')))
            {
                throw new InvalidDataException($"routing.json: rule '{Name}' has an invalid host pattern '{host}'.");
            }
        }
    }

    internal static void ValidatePath(string owner, string pattern)
    {
        if (pattern.Length is 0 or > 128 || pattern[0] != '/')
        {
            throw new InvalidDataException($"routing.json: '{owner}' has an invalid path pattern '{pattern}' (must start with '/', at most 128 characters).");
        }
    }
}

/// <summary>CloudFront's behaviours for the static site; every other path of the served hosts goes to the ALB.</summary>
public sealed record StaticSiteRoutes
{
    public required IReadOnlyList<string> PathPatterns { get; init; }
    public IReadOnlyList<string> ImmutablePathPatterns { get; init; } = [];
    public IReadOnlyList<string> NoCachePathPatterns { get; init; } = [];

    /// <summary>
    /// Hosts whose DNS record names the ALB itself, not CloudFront (the analytics host, CloudFront's origin name):
    /// requests for them never see the static-site behaviours.
    /// </summary>
    public IReadOnlyList<string> AlbHostHeaders { get; init; } = [];

    public bool Serves(string host) => !AlbHostHeaders.Any(h => AlbPattern.MatchesHost(h, host));
}
