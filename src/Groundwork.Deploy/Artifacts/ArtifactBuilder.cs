using System.Diagnostics;
using Groundwork.Deploy.Cli;
using Groundwork.Deploy.Processes;
using Groundwork.Deploy.Rendering;

namespace Groundwork.Deploy.Artifacts;

/// <summary>What <c>build</c> produced.</summary>
internal sealed record BuiltArtifact(string Directory, string Archive, string? WebArchive, ArtifactManifest Manifest, TimeSpan Elapsed)
{
    public long ArchiveBytes => new FileInfo(Archive).Length;
}

/// <summary>
/// <c>build</c>: one versioned artifact from the work tree. <c>app/</c> is the Api published for linux-x64,
/// framework-dependent: the app servers get the .NET runtime from the OS package (dotnet-runtime-10.0 /
/// aspnetcore-runtime-10.0 in the user data), so runtime security patches arrive with OS updates instead of a rebuild,
/// and the artifact stays ~4x smaller. Published with <c>--artifacts-path</c> so the build never shares obj/ with the
/// developer builds of the same projects, and with Deterministic + ContinuousIntegrationBuild so the same commit
/// gives the same bytes.
/// </summary>
internal sealed class ArtifactBuilder(Repository repository, Action<string> step)
{
    public const string RuntimeIdentifier = "linux-x64";
    public const string RuntimeDescription = "linux-x64, framework-dependent (Microsoft.AspNetCore.App 10.0 from the OS package)";

    public async Task<BuiltArtifact> BuildAsync(string? requestedVersion, string? outputDirectory, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        step("Reading the git state");
        var git = await repository.ReadGitStateAsync(cancellationToken);
        var version = requestedVersion ?? ArtifactVersion.FromGit(git);
        if (!ArtifactVersion.IsValid(version))
        {
            throw new DeployException($"'{version}' is not a valid version (letters, digits, '.', '_', '+', '-'; at most 128).");
        }

        var artifacts = Path.GetFullPath(outputDirectory ?? repository.ArtifactsDirectory);
        var directory = Path.Combine(artifacts, ArtifactVersion.DirectoryName(version));
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
        Directory.CreateDirectory(directory);
        await PublishApiAsync(git, directory, artifacts, cancellationToken);
        var webNote = AddContent(directory, version);

        step("Hashing every file into manifest.json");
        var manifest = new ArtifactManifest(version, git.Commit, git.Dirty, git.CommitTime, DateTimeOffset.UtcNow.Truncate(),
            RuntimeDescription, webNote, ArtifactManifest.HashTree(directory));
        manifest.WriteTo(directory);
        var (archive, webArchive) = await PackAsync(directory, artifacts, version, git.CommitTime, cancellationToken);
        return new BuiltArtifact(directory, archive, webArchive, manifest, clock.Elapsed);
    }

    /// <summary>app/: the Api published for linux-x64, framework-dependent, deterministic, stamped with the commit.</summary>
    private async Task PublishApiAsync(GitState git, string directory, string artifacts, CancellationToken cancellationToken)
    {
        step($"Publishing src/Groundwork.Api (Release, {RuntimeIdentifier}, framework-dependent)");
        var publish = await ProcessRunner.RunAsync("dotnet",
        [
            "publish", repository.ApiProject,
            "-c", "Release", "-r", RuntimeIdentifier, "--self-contained", "false",
            "-o", Path.Combine(directory, "app"),
            "--artifacts-path", Path.Combine(artifacts, ".build"),
            "-p:Deterministic=true", "-p:ContinuousIntegrationBuild=true",
            // systemd starts `dotnet Groundwork.Api.dll`: no native launcher needed in a portable artifact.
            "-p:UseAppHost=false",
            $"-p:SourceRevisionId={git.Commit}",
            "-nologo", "-clp:ErrorsOnly",
        ], repository.Root, new Dictionary<string, string?> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" }, cancellationToken);
        if (!publish.Succeeded)
        {
            throw new DeployException($"dotnet publish failed: {publish.LastLine}");
        }
    }

    /// <summary>web/, migrations/ and deploy/ next to app/; a note when there is no web build to include.</summary>
    private string? AddContent(string directory, string version)
    {
        step("Adding the web build, migrations and deploy templates");
        string? webNote = null;
        if (Directory.Exists(repository.WebDist) && Directory.EnumerateFiles(repository.WebDist, "*", SearchOption.AllDirectories).Any())
        {
            CopyTree(repository.WebDist, Path.Combine(directory, "web"));
        }
        else
        {
            webNote = "web/dist was not built when this artifact was made (run npm ci && npm run build in web/ first): no web build included";
        }
        var migrations = Directory.CreateDirectory(Path.Combine(directory, "migrations"));
        foreach (var sql in Directory.EnumerateFiles(repository.MigrationsDirectory, "*.sql"))
        {
            File.Copy(sql, Path.Combine(migrations.FullName, Path.GetFileName(sql)));
        }
        DeployTemplates.WriteTo(Path.Combine(directory, "deploy"), version);
        return webNote;
    }

    /// <summary>The tarball (and the web build's zip, when there is one), each with its .sha256, dated by the commit.</summary>
    private async Task<(string Archive, string? WebArchive)> PackAsync(string directory, string artifacts, string version, DateTimeOffset commitTime, CancellationToken cancellationToken)
    {
        step("Packing the tarball");
        var archive = Path.Combine(artifacts, ArtifactVersion.ArchiveName(version));
        DeterministicArchive.WriteTarGz(directory, archive, commitTime);
        await WriteChecksumAsync(archive, cancellationToken);
        string? webArchive = null;
        var web = Path.Combine(directory, "web");
        var oldWebArchive = Path.Combine(artifacts, ArtifactVersion.WebArchiveName(version));
        File.Delete(oldWebArchive);
        if (Directory.Exists(web))
        {
            webArchive = oldWebArchive;
            DeterministicArchive.WriteZip(web, webArchive, commitTime);
            await WriteChecksumAsync(webArchive, cancellationToken);
        }
        return (archive, webArchive);
    }

    /// <summary><c>name.sha256</c> next to an archive: "hex  name", as sha256sum writes it and the user data reads it.</summary>
    public static async Task WriteChecksumAsync(string archive, CancellationToken cancellationToken)
    {
        string hash;
        await using (var stream = File.OpenRead(archive))
        {
            hash = ArtifactManifest.Hash(stream);
        }
        await File.WriteAllTextAsync(archive + ".sha256", $"{hash}  {Path.GetFileName(archive)}\n", cancellationToken);
    }

    private static void CopyTree(string source, string target)
    {
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
    }
}

internal static class TimeExtensions
{
    /// <summary>Whole seconds: a manifest time has no use for ticks.</summary>
    public static DateTimeOffset Truncate(this DateTimeOffset value) => DateTimeOffset.FromUnixTimeSeconds(value.ToUnixTimeSeconds());
}
