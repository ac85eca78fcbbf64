using System.Text.Json;

namespace Groundwork.LocalServers;

/// <summary>An instance the deploy tool started: what the edge knows it as, where it listens, its pid and log.</summary>
public sealed record DeployedInstance(string Name, string Url, int Port, int Pid, string Log, DateTimeOffset StartedAt);

/// <summary>
/// <c>{data dir}/deployments/local.json</c>: the artifact version the local stack runs since the last deploy and the
/// instances started from it (detached processes, so they outlive the tool; <c>stop</c> ends them). A contract of the
/// local stack like <see cref="StackManifest"/>: Groundwork.Deploy writes it, the AppHost reads it to stop those
/// instances with itself.
/// </summary>
public sealed record LocalDeployment(int AppHostPid, string Version, DateTimeOffset DeployedAt, IReadOnlyList<DeployedInstance> Instances)
{
    public const string FileName = "local.json";

    public static string StateDirectory(string dataDirectory) => Path.Combine(dataDirectory, "deployments");

    public static LocalDeployment? Read(string dataDirectory)
    {
        var path = Path.Combine(StateDirectory(dataDirectory), FileName);
        return File.Exists(path) ? JsonSerializer.Deserialize<LocalDeployment>(File.ReadAllText(path), JsonSerializerOptions.Web) : null;
    }

    public void Write(string dataDirectory)
    {
        var directory = Directory.CreateDirectory(StateDirectory(dataDirectory));
        File.WriteAllText(Path.Combine(directory.FullName, FileName), JsonSerializer.Serialize(this, JsonSerializerOptions.Web));
    }
}
