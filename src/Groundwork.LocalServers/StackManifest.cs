using System.Text.Json;

namespace Groundwork.LocalServers;

/// <summary>
/// What a running local stack looks like, written by the AppHost to <c>{data dir}/stack.json</c> (mode 0600: it holds
/// the local admin user's password) so tools such as the deploy command find the edge, the instances, the data tier
/// (<see cref="PrimaryConnectionString"/>: the admin user, as an operator has the RDS master secret) and the Secrets
/// Manager stand-in (<see cref="SecretsUrl"/>) without being told ports. <see cref="RedisConnectionString"/> holds the
/// Redis password; <see cref="CaFile"/> is the data tier's CA, which Redis clients trust (<see cref="LocalTls"/>). Removed when the AppHost stops.
/// </summary>
public sealed record StackManifest(
    int AppHostPid,
    string EdgeUrl,
    string AlbArn,
    string KeyEndpoint,
    string AdminEmails,
    string PrimaryConnectionString,
    string ReplicaConnectionString,
    string RedisConnectionString,
    IReadOnlyList<StackInstance> Instances,
    string? SecretsUrl = null,
    string? CaFile = null)
{
    public const string FileName = "stack.json";

    public static string Write(string dataDirectory, StackManifest manifest)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, FileName);
        File.WriteAllText(path, JsonSerializer.Serialize(manifest, JsonSerializerOptions.Web));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return path;
    }
}

public sealed record StackInstance(string Name, string Url);
