using System.Security.Cryptography;
using System.Text.Json;

namespace Groundwork.LocalServers;

/// <summary>
/// The passwords of the tier's database users. Generated once per root directory and kept in a 0600 file there,
/// so a restart with a kept data directory uses the same ones, and no secret ever lives in the repository.
/// </summary>
public sealed record DataTierCredentials(string AppPassword, string AnalyticsPassword, string ReplicationPassword)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static DataTierCredentials LoadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            var existing = JsonSerializer.Deserialize<DataTierCredentials>(File.ReadAllText(path), Json);
            if (existing is { AppPassword.Length: > 0, AnalyticsPassword.Length: > 0, ReplicationPassword.Length: > 0 })
                return existing;
        }

        var created = new DataTierCredentials(NewPassword(), NewPassword(), NewPassword());
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temporary, options))
            JsonSerializer.Serialize(stream, created, Json);
        File.Move(temporary, path, overwrite: true);
        return created;
    }

    // Letters and digits only: the password never needs quoting in a connection string or a shell.
    private static string NewPassword() =>
        RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789", 32);
}
