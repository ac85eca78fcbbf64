using System.Text.Json;
using Groundwork.Deploy.Cli;

namespace Groundwork.Deploy.Local;

/// <summary>
/// The running local stack as the AppHost describes it in <c>{data dir}/stack.json</c> (same shape as the AppHost's
/// StackManifest; read, not referenced, so the tool does not load Aspire).
/// </summary>
internal sealed record LocalStackManifest(
    int AppHostPid,
    string EdgeUrl,
    string AlbArn,
    string KeyEndpoint,
    string AdminEmails,
    string PrimaryConnectionString,
    string ReplicaConnectionString,
    string RedisConnectionString,
    IReadOnlyList<LocalStackInstance> Instances)
{
    public const string FileName = "stack.json";

    /// <summary>The data directory: --data-dir, else GROUNDWORK_DATA_DIR (as the AppHost reads it), else &lt;repo&gt;/.local/data.</summary>
    public static string DataDirectory(string? option, Repository? repository)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("GROUNDWORK_DATA_DIR");
        var chosen = option ?? (string.IsNullOrWhiteSpace(fromEnvironment) ? null : fromEnvironment)
            ?? repository?.LocalDataDirectory
            ?? throw new DeployException("No data directory: pass --data-dir or set GROUNDWORK_DATA_DIR.");
        return Path.GetFullPath(chosen);
    }

    public static LocalStackManifest Read(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        if (!File.Exists(path))
        {
            throw new DeployException($"No running local stack: {path} does not exist (start it with dotnet run --project src/Groundwork.AppHost).");
        }
        var manifest = JsonSerializer.Deserialize<LocalStackManifest>(File.ReadAllText(path), JsonSerializerOptions.Web)
            ?? throw new DeployException($"{path} is empty.");
        if (!InstanceProcesses.IsRunning(manifest.AppHostPid))
        {
            throw new DeployException($"{path} names AppHost pid {manifest.AppHostPid}, which is not running: the stack is down (stale stack.json).");
        }
        return manifest;
    }
}

internal sealed record LocalStackInstance(string Name, string Url);
