using System.Formats.Tar;
using System.IO.Compression;

namespace Groundwork.Deploy.Artifacts;

/// <summary>The outcome of <c>verify</c>: every problem found (none = intact).</summary>
internal sealed record Verification(string Artifact, ArtifactManifest? Manifest, IReadOnlyList<string> Problems)
{
    public bool Intact => Problems.Count == 0 && Manifest is not null;

    /// <summary>One line for the operator: the first problem and how many more.</summary>
    public string Summary => Intact
        ? $"{Artifact}: intact, version {Manifest!.Version}, {Manifest.Files.Count} files verified"
        : $"{Artifact}: {Problems[0]}{(Problems.Count > 1 ? $" (and {Problems.Count - 1} more problems)" : "")}";
}

/// <summary>
/// <c>verify</c>: checks an artifact folder or tarball against its manifest: every listed file present with the
/// listed size and SHA-256, no unlisted file, and for a tarball the .sha256 next to it when there is one. A
/// truncated tarball fails while reading.
/// </summary>
internal static class ArtifactVerifier
{
    public static Verification Verify(string artifact)
    {
        var path = Path.GetFullPath(artifact);
        if (Directory.Exists(path))
        {
            return VerifyDirectory(path);
        }
        if (File.Exists(path))
        {
            return VerifyArchive(path);
        }
        return new Verification(artifact, null, ["no such artifact folder or tarball"]);
    }

    private static Verification VerifyDirectory(string directory)
    {
        var manifestPath = Path.Combine(directory, ArtifactManifest.FileName);
        if (!File.Exists(manifestPath))
        {
            return new Verification(directory, null, ["manifest.json is missing: not an artifact"]);
        }
        var manifest = ArtifactManifest.Parse(File.ReadAllText(manifestPath), out var problem);
        if (manifest is null)
        {
            return new Verification(directory, null, [problem!]);
        }
        return new Verification(directory, manifest, Compare(manifest, ArtifactManifest.HashTree(directory)));
    }

    private static Verification VerifyArchive(string archive)
    {
        var problems = new List<string>();
        if (ChecksumProblem(archive) is { } checksumProblem)
        {
            problems.Add(checksumProblem);
        }
        List<ArtifactFile> found;
        string? manifestJson;
        try
        {
            (found, manifestJson) = ReadTarball(archive);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or IOException)
        {
            problems.Add($"the tarball is truncated or corrupt ({e.Message.TrimEnd('.')})");
            return new Verification(archive, null, problems);
        }

        if (manifestJson is null)
        {
            problems.Add("manifest.json is missing: not an artifact");
            return new Verification(archive, null, problems);
        }
        var manifest = ArtifactManifest.Parse(manifestJson, out var problem);
        if (manifest is null)
        {
            problems.Add(problem!);
            return new Verification(archive, null, problems);
        }
        problems.AddRange(Compare(manifest, found));
        return new Verification(archive, manifest, problems);
    }

    /// <summary>The tarball against its <c>.sha256</c> (when there is one): null when they agree.</summary>
    private static string? ChecksumProblem(string archive)
    {
        var checksum = archive + ".sha256";
        if (!File.Exists(checksum))
        {
            return null;
        }
        var expected = File.ReadAllText(checksum).Split(' ', 2)[0].Trim();
        using var stream = File.OpenRead(archive);
        var actual = ArtifactManifest.Hash(stream);
        return string.Equals(expected, actual, StringComparison.OrdinalIgnoreCase)
            ? null
            : $"SHA-256 of the tarball is {actual[..12]}…, {Path.GetFileName(checksum)} says {expected[..Math.Min(12, expected.Length)]}…";
    }

    /// <summary>Every regular file of the tarball hashed, and manifest.json's text; throws on a truncated or corrupt tarball.</summary>
    private static (List<ArtifactFile> Found, string? ManifestJson) ReadTarball(string archive)
    {
        var found = new List<ArtifactFile>();
        string? manifestJson = null;
        using var file = File.OpenRead(archive);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (tar.GetNextEntry(copyData: false) is { } entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
            {
                continue;
            }
            var name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
            using var data = new MemoryStream();
            entry.DataStream?.CopyTo(data);
            if (data.Length != entry.Length)
            {
                throw new EndOfStreamException($"{name} ends early");
            }
            if (name == ArtifactManifest.FileName)
            {
                manifestJson = System.Text.Encoding.UTF8.GetString(data.ToArray());
                continue;
            }
            found.Add(new ArtifactFile(name, data.Length, ArtifactManifest.Hash(data.ToArray())));
        }
        return (found, manifestJson);
    }

    /// <summary>Listed vs found: missing, changed (size first, since a short file means truncation), unlisted.</summary>
    internal static List<string> Compare(ArtifactManifest manifest, IEnumerable<ArtifactFile> found)
    {
        var problems = new List<string>();
        var actual = found.ToDictionary(f => f.Path, StringComparer.Ordinal);
        foreach (var expected in manifest.Files)
        {
            if (!actual.Remove(expected.Path, out var file))
            {
                problems.Add($"{expected.Path} is missing");
            }
            else if (file.Size != expected.Size)
            {
                problems.Add($"{expected.Path} is {file.Size} bytes, the manifest says {expected.Size} (truncated or replaced)");
            }
            else if (!string.Equals(file.Sha256, expected.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"{expected.Path} does not match its SHA-256 in the manifest (tampered)");
            }
        }
        problems.AddRange(actual.Keys.Order(StringComparer.Ordinal).Select(p => $"{p} is not in the manifest (added)"));
        return problems;
    }
}
