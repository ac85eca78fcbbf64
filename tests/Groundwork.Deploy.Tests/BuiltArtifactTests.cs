using System.Text.Json;
using Groundwork.Deploy.Artifacts;
using Xunit.Abstractions;

namespace Groundwork.Deploy.Tests;

/// <summary>The real artifact of the work tree: its shape, and that it verifies as built.</summary>
[Collection(ArtifactCollection.Name)]
public sealed class BuiltArtifactTests(ArtifactFixture artifact, ITestOutputHelper output)
{
    [Fact]
    public void The_artifact_holds_the_framework_dependent_app_the_migrations_the_templates_and_a_manifest()
    {
        output.WriteLine($"build: {artifact.Build.Elapsed.TotalSeconds:F0} s, tarball {new FileInfo(artifact.Archive).Length / 1024.0 / 1024.0:F2} MiB");
        output.WriteLine(artifact.Build.Output);
        Assert.True(File.Exists(Path.Combine(artifact.Directory, "app", "Groundwork.Api.dll")));
        Assert.True(File.Exists(Path.Combine(artifact.Directory, "migrations", "V1_0__links.sql")));
        Assert.True(File.Exists(Path.Combine(artifact.Directory, "deploy", "groundwork-api.service")));
        Assert.True(File.Exists(Path.Combine(artifact.Directory, "deploy", "user-data.sh.template")));
        // Framework-dependent: the runtime is not in the artifact, the runtimeconfig names the shared framework.
        Assert.False(File.Exists(Path.Combine(artifact.Directory, "app", "libcoreclr.so")));
        using var runtimeConfig = JsonDocument.Parse(File.ReadAllText(Path.Combine(artifact.Directory, "app", "Groundwork.Api.runtimeconfig.json")));
        Assert.Contains("Microsoft.AspNetCore.App", runtimeConfig.RootElement.GetRawText());

        var manifest = ArtifactManifest.Read(artifact.Directory);
        Assert.Equal(artifact.Version, manifest.Version);
        Assert.Equal(40, manifest.Commit.Length);
        Assert.Equal(Directory.Exists(Path.Combine(artifact.Directory, "web")), manifest.WebNote is null);
        Assert.True(File.Exists(artifact.Archive + ".sha256"));
    }

    [Fact]
    public async Task The_built_tarball_and_folder_verify()
    {
        foreach (var path in new[] { artifact.Archive, artifact.Directory })
        {
            var run = await ToolProcess.RunAsync(["verify", path]);
            Assert.True(run.ExitCode == 0, run.Error);
            Assert.Contains("intact", run.Output);
        }
    }

    [Fact]
    public async Task Publishing_without_aws_credentials_fails_at_once_with_one_line()
    {
        var run = await ToolProcess.RunAsync(["publish", artifact.Archive, "--to", "s3://groundwork-artifacts-111111111111-eu-west-1"], NoAws());
        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("groundwork-deploy: No AWS credentials", line);
    }

    internal static Dictionary<string, string?> NoAws() => new()
    {
        ["AWS_ACCESS_KEY_ID"] = null, ["AWS_SECRET_ACCESS_KEY"] = null, ["AWS_PROFILE"] = null, ["AWS_WEB_IDENTITY_TOKEN_FILE"] = null,
        ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = null, ["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = null,
        ["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/credentials", ["AWS_CONFIG_FILE"] = "/nonexistent/config",
        // On an EC2 CI runner the instance role would otherwise be found.
        ["AWS_EC2_METADATA_DISABLED"] = "true",
    };
}
