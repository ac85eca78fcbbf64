using System.Formats.Tar;
using System.IO.Compression;
using Groundwork.Deploy.Cli;

namespace Groundwork.Deploy.Artifacts;

/// <summary>
/// Finds the artifact of a version in the artifacts folder (the extracted folder, else the tarball, extracted once)
/// and refuses anything that does not verify: a deploy only ever runs bytes the manifest vouches for.
/// </summary>
internal static class ArtifactStore
{
    public static string Locate(string artifactsDirectory, string version)
    {
        if (!ArtifactVersion.IsValid(version))
        {
            throw new DeployException($"'{version}' is not a valid version.", CliOptions.BadInput);
        }
        var directory = Path.Combine(artifactsDirectory, ArtifactVersion.DirectoryName(version));
        var archive = Path.Combine(artifactsDirectory, ArtifactVersion.ArchiveName(version));
        if (!Directory.Exists(directory))
        {
            if (!File.Exists(archive))
            {
                throw new DeployException($"No artifact for version {version} in {artifactsDirectory} (build it, or fetch {ArtifactVersion.ArchiveName(version)}).");
            }
            var archiveCheck = ArtifactVerifier.Verify(archive);
            if (!archiveCheck.Intact)
            {
                throw new DeployException($"refusing to deploy: {archiveCheck.Summary}");
            }
            var partial = directory + ".partial";
            if (Directory.Exists(partial))
            {
                Directory.Delete(partial, recursive: true);
            }
            Directory.CreateDirectory(partial);
            using (var file = File.OpenRead(archive))
            using (var gzip = new GZipStream(file, CompressionMode.Decompress))
            {
                TarFile.ExtractToDirectory(gzip, partial, overwriteFiles: false);
            }
            Directory.Move(partial, directory);
        }

        var check = ArtifactVerifier.Verify(directory);
        if (!check.Intact)
        {
            throw new DeployException($"refusing to deploy: {check.Summary}");
        }
        if (check.Manifest!.Version != version)
        {
            throw new DeployException($"refusing to deploy: {directory} holds version {check.Manifest.Version}, not {version}.");
        }
        return directory;
    }
}
