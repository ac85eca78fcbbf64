using System.Text.Json;

namespace Groundwork.LocalServers;

/// <summary>
/// The passwords the tier itself needs: the admin user (the local stand-in for the RDS master user, used only by the
/// migrate step and tools), the replication user, and Redis's AUTH password (ElastiCache's AUTH token; in AWS it is a
/// Secrets Manager secret the instances read at boot, here the AppHost hands it to them in the connection string). Generated once per root directory and kept in a 0600 file there,
/// so a restart with a kept data directory uses the same ones, and no secret ever lives in the repository. The app and
/// analytics users' passwords are not here: they live in the local Secrets Manager stand-in, as in AWS.
/// </summary>
public sealed record DataTierCredentials(string AdminPassword, string ReplicationPassword, string RedisPassword)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static DataTierCredentials LoadOrCreate(string path)
    {
        string? admin = null, replication = null, redis = null;
        if (File.Exists(path))
        {
            // A file written by an earlier version also has AppPassword/AnalyticsPassword (now in the secrets) and no
            // AdminPassword: keep its replication password (the replica stores it in its CHANGE MASTER), add the rest.
            using var existing = JsonDocument.Parse(File.ReadAllText(path));
            admin = Read(existing.RootElement, nameof(AdminPassword));
            replication = Read(existing.RootElement, nameof(ReplicationPassword));
            redis = Read(existing.RootElement, nameof(RedisPassword));
            if (admin is not null && replication is not null && redis is not null && !existing.RootElement.TryGetProperty("AppPassword", out _))
            {
                return new DataTierCredentials(admin, replication, redis);
            }
        }

        var credentials = new DataTierCredentials(
            admin ?? LocalSecretsManager.NewPassword(), replication ?? LocalSecretsManager.NewPassword(), redis ?? LocalSecretsManager.NewPassword());
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temporary, options))
            JsonSerializer.Serialize(stream, credentials, Json);
        File.Move(temporary, path, overwrite: true);
        return credentials;
    }

    private static string? Read(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;
}
