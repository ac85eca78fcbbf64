using System.Formats.Tar;
using System.IO.Compression;

namespace Groundwork.Deploy.Artifacts;

/// <summary>
/// Packs an artifact directory so that the same files give the same bytes: entries in ordinal path order, every
/// mtime the commit time, owner 0:0 without names, modes normalised to 0755 (directories, executables) or 0644,
/// ustar headers (no pax access/change times). The tarball has no top-level folder: the app servers extract it
/// straight into /opt/groundwork/releases/&lt;version&gt;.
/// </summary>
internal static class DeterministicArchive
{
    private const UnixFileMode Executable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
    private const UnixFileMode Regular = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public static void WriteTarGz(string sourceDirectory, string archivePath, DateTimeOffset mtime)
    {
        using var file = File.Create(archivePath);
        using (var gzip = new GZipStream(file, CompressionLevel.Optimal, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Ustar, leaveOpen: true))
        {
            foreach (var relative in Entries(sourceDirectory))
            {
                var full = Path.Combine(sourceDirectory, relative);
                if (Directory.Exists(full))
                {
                    tar.WriteEntry(new UstarTarEntry(TarEntryType.Directory, relative + "/")
                    {
                        ModificationTime = mtime, Mode = Executable, Uid = 0, Gid = 0, UserName = "", GroupName = "",
                    });
                    continue;
                }
                using var content = File.OpenRead(full);
                tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, relative)
                {
                    ModificationTime = mtime,
                    Mode = IsExecutable(full) ? Executable : Regular,
                    Uid = 0, Gid = 0, UserName = "", GroupName = "",
                    DataStream = content,
                });
            }
        }
    }

    /// <summary>The web build as the static site's BucketDeployment takes it: a zip of web/ (fixed timestamps, sorted).</summary>
    public static void WriteZip(string sourceDirectory, string archivePath, DateTimeOffset mtime)
    {
        // Zip stores local DOS times from 1980 on.
        var stamp = mtime.Year < 1980 ? new DateTimeOffset(1980, 1, 1, 0, 0, 0, TimeSpan.Zero) : mtime;
        using var file = File.Create(archivePath);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        foreach (var relative in Entries(sourceDirectory).Where(r => File.Exists(Path.Combine(sourceDirectory, r))))
        {
            var entry = zip.CreateEntry(relative, CompressionLevel.Optimal);
            entry.LastWriteTime = stamp;
            using var target = entry.Open();
            using var source = File.OpenRead(Path.Combine(sourceDirectory, relative));
            source.CopyTo(target);
        }
    }

    /// <summary>Every directory and file below the root, relative, '/'-separated, ordinal order (parents first).</summary>
    private static IEnumerable<string> Entries(string root) =>
        Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
            .Select(path => ArtifactManifest.RelativePath(root, path))
            .Order(StringComparer.Ordinal);

    private static bool IsExecutable(string path) =>
        !OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & UnixFileMode.UserExecute) != 0;
}
