using System.Text.Json;
using Groundwork.Deploy.Cli;
using Groundwork.LocalServers;

namespace Groundwork.Deploy.Local;

/// <summary>
/// Finds and reads the running local stack's <c>{data dir}/stack.json</c> (<see cref="StackManifest"/>).
/// </summary>
internal static class LocalStackManifest
{
    /// <summary>The data directory: --data-dir, else GROUNDWORK_DATA_DIR (as the AppHost reads it), else &lt;repo&gt;/.local/data.</summary>
    public static string DataDirectory(string? option, Repository? repository)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("GROUNDWORK_DATA_DIR");
        var chosen = option ?? (string.IsNullOrWhiteSpace(fromEnvironment) ? null : fromEnvironment)
            ?? repository?.LocalDataDirectory
            ?? throw new DeployException("No data directory: pass --data-dir or set GROUNDWORK_DATA_DIR.");
        return Path.GetFullPath(chosen);
    }

    public static StackManifest Read(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, StackManifest.FileName);
        if (!File.Exists(path))
        {
            throw new DeployException($"No running local stack: {path} does not exist (start it with dotnet run --project src/Groundwork.AppHost).");
        }
        var manifest = JsonSerializer.Deserialize<StackManifest>(File.ReadAllText(path), JsonSerializerOptions.Web)
            ?? throw new DeployException($"{path} is empty.");
        if (!InstanceProcesses.IsRunning(manifest.AppHostPid))
        {
            throw new DeployException($"{path} names AppHost pid {manifest.AppHostPid}, which is not running: the stack is down (stale stack.json).");
        }
        return manifest;
    }
}

