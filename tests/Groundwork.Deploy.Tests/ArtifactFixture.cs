using Groundwork.Deploy.Artifacts;

namespace Groundwork.Deploy.Tests;

/// <summary>
/// One real artifact of the work tree (Release publish of the Api, ~1 min), built once through the tool's own
/// <c>build</c> command into a temporary artifacts folder and shared by every test of the collection.
/// </summary>
public sealed class ArtifactFixture : IAsyncLifetime
{
    private readonly TemporaryDirectory temp = new();

    public string ArtifactsDirectory => temp.Path;
    public string Version { get; } = "0.0.0-e2e." + Guid.NewGuid().ToString("N")[..8];
    public string Directory => Path.Combine(ArtifactsDirectory, ArtifactVersion.DirectoryName(Version));
    public string Archive => Path.Combine(ArtifactsDirectory, ArtifactVersion.ArchiveName(Version));
    public ToolRun Build { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Build = await ToolProcess.RunAsync(["build", "--version", Version, "--artifacts", ArtifactsDirectory], timeout: TimeSpan.FromMinutes(8));
        if (Build.ExitCode != 0)
        {
            throw new InvalidOperationException($"build failed ({Build.ExitCode}): {Build.Error}\n{Build.Output}");
        }
    }

    /// <summary>A copy of the artifact under another version with one file changed and a manifest that vouches for it.</summary>
    internal string Variant(string version, Action<string> change)
    {
        var target = Path.Combine(ArtifactsDirectory, ArtifactVersion.DirectoryName(version));
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(Directory, file));
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination, overwrite: true);
        }
        change(target);
        var original = ArtifactManifest.Read(Directory);
        (original with { Version = version, Files = ArtifactManifest.HashTree(target) }).WriteTo(target);
        return target;
    }

    public Task DisposeAsync()
    {
        temp.Dispose();
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class ArtifactCollection : ICollectionFixture<ArtifactFixture>
{
    public const string Name = "artifact";
}
