using System.Globalization;
using Aspire.Hosting.ApplicationModel;

namespace Groundwork.AppHost;

/// <summary>
/// Sentry locally: Spotlight, Sentry's own tool for development (npm <c>@spotlightjs/spotlight</c>, pinned in
/// tools/spotlight, installed by ./groundwork), as the executable resource "spotlight" on http://127.0.0.1:8969
/// (GROUNDWORK_SPOTLIGHT_PORT overrides it). The instances' Sentry SDK sends errors to it (Sentry:Spotlight), so
/// an unhandled exception or an error log shows up in its UI as it would in the self-hosted Sentry in AWS.
/// </summary>
public static class SpotlightTier
{
    public const int DefaultPort = 8969;

    public static int Port =>
        int.TryParse(Environment.GetEnvironmentVariable("GROUNDWORK_SPOTLIGHT_PORT"), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port > 0
            ? port
            : DefaultPort;

    /// <summary>The Spotlight resource, or null when tools/spotlight is not installed (the stack then runs without it).</summary>
    public static IResourceBuilder<ExecutableResource>? AddSpotlight(this IDistributedApplicationBuilder builder, Topology topology, int port)
    {
        var directory = Path.Combine(topology.RepoRoot, "tools", "spotlight");
        if (!Directory.Exists(Path.Combine(directory, "node_modules", "@spotlightjs", "spotlight")))
        {
            Console.Error.WriteLine("Spotlight is not installed (tools/spotlight: npm ci): the local stack runs without it.");
            return null;
        }
        // serve.mjs is Spotlight's own CLI without the package's self-telemetry to sentry.io (see the file).
        return builder.AddExecutable("spotlight", "node", directory, "serve.mjs", "server", "--port", port.ToString(CultureInfo.InvariantCulture))
            .WithHttpEndpoint(port: port, isProxied: false)
            .WithHttpHealthCheck("/health")
            // Spotlight buffers what it receives in memory; nothing is written to disk unless this is set.
            .WithEnvironment("SPOTLIGHT_CAPTURE", "")
            .WithEnvironment("SENTRY_SPOTLIGHT", "");
    }
}
