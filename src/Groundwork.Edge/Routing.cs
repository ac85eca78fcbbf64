using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Groundwork.Edge;

/// <summary>What the edge does with one request, decided by the shared rules in config/routing.json.</summary>
internal abstract record EdgeRoute
{
    /// <summary>CloudFront serves it from the static site bucket.</summary>
    public sealed record Static(bool Immutable, bool NoCache) : EdgeRoute;

    /// <summary>The ALB answers itself (e.g. 404 for health paths).</summary>
    public sealed record Fixed(string RuleName, int StatusCode) : EdgeRoute;

    /// <summary>The ALB forwards to a target group, after signing the user in when the rule says so.</summary>
    public sealed record Forward(string RuleName, string Target, bool Authenticate) : EdgeRoute;
}

/// <summary>routing.json as the edge reads it; unknown keys are ignored so the ALB side can grow.</summary>
internal sealed record RoutingDocument(
    [property: JsonPropertyName("albListenerRules")] IReadOnlyList<ListenerRule> ListenerRules,
    [property: JsonPropertyName("albDefaultTarget")] string DefaultTarget,
    [property: JsonPropertyName("staticSite")] StaticSiteRules StaticSite);

internal sealed record ListenerRule(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("priority")] int Priority,
    [property: JsonPropertyName("pathPatterns")] IReadOnlyList<string>? PathPatterns,
    [property: JsonPropertyName("hostHeaders")] IReadOnlyList<string>? HostHeaders,
    [property: JsonPropertyName("action")] string? Action,
    [property: JsonPropertyName("authenticate")] bool Authenticate,
    [property: JsonPropertyName("target")] string? Target);

internal sealed record StaticSiteRules(
    [property: JsonPropertyName("pathPatterns")] IReadOnlyList<string> PathPatterns,
    [property: JsonPropertyName("immutablePathPatterns")] IReadOnlyList<string> ImmutablePathPatterns,
    [property: JsonPropertyName("noCachePathPatterns")] IReadOnlyList<string> NoCachePathPatterns);

/// <summary>
/// The listener rules of the ALB plus the CloudFront behaviours in front of it. CloudFront sends static-site paths to
/// the bucket and everything else to the ALB; a host-header rule (e.g. analytics.*) never goes through CloudFront.
/// </summary>
internal sealed class RoutingRules
{
    private readonly IReadOnlyList<(ListenerRule Rule, Regex[] Paths, Regex[] Hosts)> rules;
    private readonly Regex[] staticPaths;
    private readonly Regex[] immutablePaths;
    private readonly Regex[] noCachePaths;
    private readonly string defaultTarget;

    public RoutingRules(RoutingDocument document)
    {
        rules = document.ListenerRules
            .OrderBy(r => r.Priority)
            .Select(r => (r, Patterns(r.PathPatterns, ignoreCase: false), Patterns(r.HostHeaders, ignoreCase: true)))
            .ToList();
        staticPaths = Patterns(document.StaticSite.PathPatterns, ignoreCase: false);
        immutablePaths = Patterns(document.StaticSite.ImmutablePathPatterns, ignoreCase: false);
        noCachePaths = Patterns(document.StaticSite.NoCachePathPatterns, ignoreCase: false);
        defaultTarget = document.DefaultTarget;
    }

    public static RoutingRules Load(string path)
    {
        var document = JsonSerializer.Deserialize<RoutingDocument>(File.ReadAllText(path))
            ?? throw new InvalidOperationException($"{path} is empty");
        return new RoutingRules(document);
    }

    /// <summary>Finds config/routing.json upward from <paramref name="start"/> (the repository's shared rules).</summary>
    public static string FindRoutingFile(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "config", "routing.json");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"config/routing.json not found upward from {start}; set Edge:RoutingFile");
    }

    public EdgeRoute Classify(string host, string path)
    {
        var hostName = StripPort(host);
        foreach (var (rule, _, hosts) in rules)
        {
            if (hosts.Length > 0 && hosts.Any(h => h.IsMatch(hostName)))
            {
                return ToRoute(rule);
            }
        }

        if (staticPaths.Any(p => p.IsMatch(path)))
        {
            return new EdgeRoute.Static(immutablePaths.Any(p => p.IsMatch(path)), noCachePaths.Any(p => p.IsMatch(path)));
        }

        foreach (var (rule, paths, hosts) in rules)
        {
            if (hosts.Length == 0 && paths.Any(p => p.IsMatch(path)))
            {
                return ToRoute(rule);
            }
        }

        return new EdgeRoute.Forward("default", defaultTarget, Authenticate: false);
    }

    private static EdgeRoute ToRoute(ListenerRule rule) => rule.Action switch
    {
        "not-found" => new EdgeRoute.Fixed(rule.Name, StatusCodes.Status404NotFound),
        _ => new EdgeRoute.Forward(rule.Name, rule.Target ?? "app", rule.Authenticate),
    };

    private static string StripPort(string host)
    {
        var colon = host.LastIndexOf(':');
        return colon > 0 && !host.EndsWith(']') ? host[..colon] : host;
    }

    /// <summary>ALB pattern syntax: '*' any characters, '?' one character; paths case-sensitive, hosts not.</summary>
    internal static Regex[] Patterns(IEnumerable<string>? patterns, bool ignoreCase) =>
        (patterns ?? []).Select(p => new Regex(
            "^" + Regex.Escape(p).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.CultureInvariant | RegexOptions.Singleline | (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None),
            TimeSpan.FromMilliseconds(100))).ToArray();
}
