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
    string? CaFile = null,
    string? SpotlightUrl = null)
{
    public const string FileName = "stack.json";

    public static string Write(string dataDirectory, StackManifest manifest)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, FileName);
        // Created 0600, never readable by others even for a moment: it holds the admin and Redis passwords. A left-over
        // file from a crashed AppHost is replaced (not truncated in place), so it cannot keep a wider mode.
        File.Delete(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(path, options))
        {
            JsonSerializer.Serialize(stream, manifest, JsonSerializerOptions.Web);
        }
        return path;
    }
}

public sealed record StackInstance(string Name, string Url);
