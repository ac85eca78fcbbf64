using Groundwork.Deploy.Artifacts;

namespace Groundwork.Deploy.Tests;

/// <summary>publish against a fake S3 speaking the REST protocol: uploads once, is idempotent, never overwrites a version.</summary>
public sealed class PublishTests : IDisposable
{
    private readonly TemporaryDirectory temp = new();
    private readonly FakeS3 s3 = new();

    public void Dispose()
    {
        s3.Dispose();
        temp.Dispose();
    }

    private string MakeArchive(string content)
    {
        var root = temp.Combine("groundwork-2.0.0");
        Directory.CreateDirectory(Path.Combine(root, "app"));
        File.WriteAllText(Path.Combine(root, "app", "Groundwork.Api.dll"), content);
        new ArtifactManifest("2.0.0", new string('b', 40), false, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, "linux-x64", "no web",
            ArtifactManifest.HashTree(root)).WriteTo(root);
        var archive = root + ".tar.gz";
        DeterministicArchive.WriteTarGz(root, archive, DateTimeOffset.UnixEpoch);
        File.WriteAllText(archive + ".sha256", $"{ArtifactManifest.Hash(File.ReadAllBytes(archive))}  {Path.GetFileName(archive)}\n");
        return archive;
    }

    private Task<ToolRun> PublishAsync(string archive) => ToolProcess.RunAsync(
        ["publish", archive, "--to", "s3://groundwork-artifacts-111111111111-eu-west-1/releases", "--region", "eu-west-1"],
        new Dictionary<string, string?>
        {
            ["AWS_ACCESS_KEY_ID"] = "AKIDFAKE", ["AWS_SECRET_ACCESS_KEY"] = "fake", ["AWS_ENDPOINT_URL_S3"] = s3.Endpoint,
            ["AWS_PROFILE"] = null, ["AWS_CONFIG_FILE"] = "/nonexistent/config", ["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/credentials",
        });

    [Fact]
    public async Task Publish_uploads_once_is_idempotent_and_refuses_a_different_artifact_under_the_same_version()
    {
        var archive = MakeArchive("version 2.0.0");
        var first = await PublishAsync(archive);
        Assert.True(first.ExitCode == 0, first.Error + first.Output);
        Assert.Equal(2, s3.Puts);
        var stored = s3.Objects["groundwork-artifacts-111111111111-eu-west-1/releases/groundwork-2.0.0.tar.gz"];
        Assert.Equal(ArtifactManifest.Hash(File.ReadAllBytes(archive)), stored.Metadata["sha256"]);
        Assert.True(s3.Objects.ContainsKey("groundwork-artifacts-111111111111-eu-west-1/releases/groundwork-2.0.0.tar.gz.sha256"));

        var again = await PublishAsync(archive);
        Assert.True(again.ExitCode == 0, again.Error);
        Assert.Equal(2, s3.Puts);
        Assert.Contains("already there with the same SHA-256", again.Output);

        // Same version, other bytes: refused, nothing overwritten.
        var other = MakeArchive("a different build that also calls itself 2.0.0");
        var refused = await PublishAsync(other);
        Assert.Equal(1, refused.ExitCode);
        var line = Assert.Single(refused.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("already holds a different artifact", line);
        Assert.Equal(2, s3.Puts);
    }

    [Fact]
    public async Task A_tampered_artifact_is_never_published()
    {
        var archive = MakeArchive("version 2.0.0");
        File.WriteAllText(archive + ".sha256", new string('0', 64) + "  x\n");
        var run = await PublishAsync(archive);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("refusing to publish", run.Error);
        Assert.Equal(0, s3.Puts);
    }
}
