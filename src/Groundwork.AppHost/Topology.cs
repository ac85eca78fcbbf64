using System.Globalization;
using Groundwork.Workspace;

namespace Groundwork.AppHost;

/// <summary>
/// The local topology as data: where the repo is, which ports everything listens on (all 127.0.0.1), how many app
/// instances run. Environment variables override the defaults so two stacks (or a test run) can live side by side.
/// </summary>
public sealed record Topology(string RepoRoot, int EdgePort, int[] ApiPorts, int PrimaryPort, int ReplicaPort, int RedisPort, string DataDirectory, int SecretsPort)
{
    /// <summary>A fake ALB ARN: the app checks the identity header's <c>signer</c> against it, as in AWS.</summary>
    public const string LocalAlbArn = "arn:aws:elasticloadbalancing:local:000000000000:loadbalancer/app/groundwork-local/0123456789abcdef";

    public static Topology FromEnvironment()
    {
        var root = RepositoryRoot.TryFind(AppContext.BaseDirectory, Directory.GetCurrentDirectory())
            ?? throw new InvalidOperationException("Run the AppHost from inside the Groundwork repository (Groundwork.slnx not found).");
        var data = Environment.GetEnvironmentVariable("GROUNDWORK_DATA_DIR");
        return new Topology(
            root,
            Port("GROUNDWORK_EDGE_PORT", 8080),
            ApiPortsFromEnvironment(),
            Port("GROUNDWORK_PRIMARY_PORT", 13306),
            Port("GROUNDWORK_REPLICA_PORT", 13307),
            Port("GROUNDWORK_REDIS_PORT", 16379),
            string.IsNullOrWhiteSpace(data) ? Path.Combine(root, ".local", "data") : Path.GetFullPath(data),
            Port("GROUNDWORK_SECRETS_PORT", 14566));
    }

    /// <summary>GROUNDWORK_API_PORTS (comma-separated) or GROUNDWORK_API_INSTANCES from 5101 up; two by default.</summary>
    private static int[] ApiPortsFromEnvironment()
    {
        var list = Environment.GetEnvironmentVariable("GROUNDWORK_API_PORTS");
        if (!string.IsNullOrWhiteSpace(list))
        {
            return list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        }
        return Enumerable.Range(5101, Port("GROUNDWORK_API_INSTANCES", 2)).ToArray();
    }

    private static int Port(string variable, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : fallback;
}
