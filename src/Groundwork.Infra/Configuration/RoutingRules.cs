using System.Text.Json;

namespace Groundwork.Infra.Configuration;

/// <summary>
/// The public routing of the architecture (config/routing.json), shared with the local edge.
/// The ALB listener rules and the CloudFront behaviours are generated from it, so they cannot drift apart.
/// </summary>
public sealed record RoutingRules
{
    public required IReadOnlyList<ListenerRuleSpec> AlbListenerRules { get; init; }
    public required string AlbDefaultTarget { get; init; }
    public required StaticSiteRoutes StaticSite { get; init; }

    public const string FileName = "routing.json";

    /// <summary>
    /// The repository's config/routing.json when running from a checkout (the source of truth), otherwise the copy
    /// placed next to the assembly at build time.
    /// </summary>
    public static string LocateFile()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "config", FileName);
                if (File.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "Groundwork.slnx")))
                    return candidate;
            }
        }
        var copy = Path.Combine(AppContext.BaseDirectory, "config", FileName);
        return File.Exists(copy) ? copy : throw new FileNotFoundException("config/routing.json not found.", copy);
    }

    public static RoutingRules Load() => Parse(File.ReadAllText(LocateFile()));

    public static RoutingRules Parse(string json)
    {
        var rules = JsonSerializer.Deserialize<RoutingRules>(json, EnvironmentFiles.Json)
            ?? throw new InvalidDataException("routing.json is empty.");
        foreach (var rule in rules.AlbListenerRules)
            rule.Validate();
        if (rules.AlbListenerRules.Select(r => r.Priority).Distinct().Count() != rules.AlbListenerRules.Count)
            throw new InvalidDataException("routing.json: listener rule priorities must be unique.");
        return rules;
    }
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
    public string Action { get; init; } = "forward";

    public const string NotFound = "not-found";
    public const string Forward = "forward";

    internal void Validate()
    {
        if (PathPatterns.Count == 0 && HostHeaders.Count == 0)
            throw new InvalidDataException($"routing.json: rule '{Name}' has no condition.");
        // An ALB rule holds at most five condition values in all.
        if (PathPatterns.Count + HostHeaders.Count > 5)
            throw new InvalidDataException($"routing.json: rule '{Name}' has more than 5 condition values.");
        if (Action == Forward && string.IsNullOrEmpty(Target))
            throw new InvalidDataException($"routing.json: rule '{Name}' forwards but names no target.");
        if (Action != Forward && Action != NotFound)
            throw new InvalidDataException($"routing.json: rule '{Name}' has unknown action '{Action}'.");
    }
}

public sealed record StaticSiteRoutes
{
    public required IReadOnlyList<string> PathPatterns { get; init; }
    public IReadOnlyList<string> ImmutablePathPatterns { get; init; } = [];
    public IReadOnlyList<string> NoCachePathPatterns { get; init; } = [];
}
