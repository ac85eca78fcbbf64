namespace Groundwork.LocalServers.Tests;

/// <summary>stack.json holds the local admin and Redis passwords: only its owner may ever read it.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class StackManifestTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("groundwork-manifest-").FullName;

    [Fact]
    public void It_is_written_owner_only_and_a_left_over_world_readable_file_does_not_keep_its_mode()
    {
        var leftOver = Path.Combine(_directory, StackManifest.FileName);
        File.WriteAllText(leftOver, "{}");
        File.SetUnixFileMode(leftOver, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var manifest = new StackManifest(42, "http://127.0.0.1:1", "arn", "http://127.0.0.1:1/keys", "a@example.com",
            "Server=127.0.0.1;Password=secret", "Server=127.0.0.1", "127.0.0.1:2,password=secret", [new StackInstance("api-1", "http://127.0.0.1:3")]);
        var path = StackManifest.Write(_directory, manifest);

        Assert.Equal(leftOver, path);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var read = System.Text.Json.JsonSerializer.Deserialize<StackManifest>(File.ReadAllText(path), System.Text.Json.JsonSerializerOptions.Web)!;
        Assert.Equal(42, read.AppHostPid);
        Assert.Equal("api-1", Assert.Single(read.Instances).Name);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
