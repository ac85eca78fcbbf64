namespace Groundwork.Routing.Cases;

/// <summary>Which of an environment's names a request is sent to.</summary>
public enum RoutingHost
{
    /// <summary>The environment's domain: CloudFront (static site), then the ALB.</summary>
    Site,
    /// <summary>analytics.&lt;domain&gt;: Metabase, on the ALB directly.</summary>
    Analytics,
    /// <summary>ANALYTICS.&lt;Domain&gt;: host names compare case-insensitively.</summary>
    AnalyticsUpperCase,
    /// <summary>origin.&lt;domain&gt;: the name CloudFront reaches the ALB by, on the ALB directly.</summary>
    Origin,
    /// <summary>A host nothing here names (e.g. the ALB's own DNS name): the ALB with no host rule matching.</summary>
    Unknown,
}

/// <summary>
/// The one table of (host, path) cases that the synthesized AWS routing and the local edge must both route as expected.
/// Expected: "static" (CloudFront from the bucket), "404" (the ALB answers), "&lt;target&gt;" (forwarded without sign-in),
/// "&lt;target&gt;+cognito" (forwarded only after Cognito sign-in).
/// </summary>
public static class RoutingCases
{
    public sealed record Case(RoutingHost Host, string Path, string Expected)
    {
        public override string ToString() => $"{Host} {Path} -> {Expected}";
    }

    public static readonly IReadOnlyList<Case> All =
    [
        // The analytics host is wholly Metabase behind Cognito: its API, its admin pages, its root, and paths that
        // mean something else on the app's host.
        new(RoutingHost.Analytics, "/", "analytics+cognito"),
        new(RoutingHost.Analytics, "/api/session/properties", "analytics+cognito"),
        new(RoutingHost.Analytics, "/api/card/1/query", "analytics+cognito"),
        new(RoutingHost.AnalyticsUpperCase, "/api/user/current", "analytics+cognito"),
        new(RoutingHost.Analytics, "/admin/settings/general", "analytics+cognito"),
        new(RoutingHost.Analytics, "/admin", "analytics+cognito"),
        new(RoutingHost.Analytics, "/health/ready", "analytics+cognito"),
        new(RoutingHost.Analytics, "/assets/app-3f9a1c.js", "analytics+cognito"),
        new(RoutingHost.Analytics, "/abc123", "analytics+cognito"),
        // The app's host: static site first, then the ALB's path rules.
        new(RoutingHost.Site, "/", "static"),
        new(RoutingHost.Site, "/index.html", "static"),
        new(RoutingHost.Site, "/assets/app-3f9a1c.js", "static"),
        new(RoutingHost.Site, "/s/links/new", "static"),
        new(RoutingHost.Site, "/api/links", "app"),
        new(RoutingHost.Site, "/api/links/abc123/stats", "app"),
        new(RoutingHost.Site, "/openapi/v1.json", "app"),
        new(RoutingHost.Site, "/API/links", "app"),            // path patterns are case-sensitive: a short link, not the API
        new(RoutingHost.Site, "/admin", "app+cognito"),
        new(RoutingHost.Site, "/admin/api/links", "app+cognito"),
        new(RoutingHost.Site, "/administrator", "app"),        // "/admin/*" does not match it
        new(RoutingHost.Site, "/health/ready", "404"),
        new(RoutingHost.Site, "/health/live", "404"),
        new(RoutingHost.Site, "/abc123", "app"),               // a short link
        // The origin name (CloudFront -> ALB) has no static site and no sign-in beyond the app's own paths.
        new(RoutingHost.Origin, "/", "app"),
        new(RoutingHost.Origin, "/admin/api/links", "app+cognito"),
        new(RoutingHost.Origin, "/health/live", "404"),
        // An unknown host reaches only the ALB (no CloudFront alias): only non-static paths are meaningful there.
        new(RoutingHost.Unknown, "/abc123", "app"),
        new(RoutingHost.Unknown, "/api/links", "app"),
        new(RoutingHost.Unknown, "/admin", "app+cognito"),
        new(RoutingHost.Unknown, "/health/ready", "404"),
    ];

    public static string HostName(RoutingHost host, string domain) => host switch
    {
        RoutingHost.Site => domain,
        RoutingHost.Analytics => $"analytics.{domain}",
        RoutingHost.AnalyticsUpperCase => $"ANALYTICS.{domain.ToUpperInvariant()}",
        RoutingHost.Origin => $"origin.{domain}",
        RoutingHost.Unknown => "unknown-host.example.net",
        _ => throw new ArgumentOutOfRangeException(nameof(host)),
    };
}
