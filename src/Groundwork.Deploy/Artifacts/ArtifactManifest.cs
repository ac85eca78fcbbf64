using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Groundwork.Deploy.Artifacts;

/// <summary>One file of an artifact: its path (relative, '/'-separated), size and SHA-256 (lower-case hex).</summary>
internal sealed record ArtifactFile(string Path, long Size, string Sha256);

/// <summary>
/// <c>manifest.json</c> at the root of every artifact: what version it is, which commit it was built from, when, and the
/// SHA-256 of every other file. The app servers check <see cref="Version"/>; <c>verify</c> checks every hash.
/// <see cref="BuiltAt"/> is the one value that differs between two builds of the same commit.
/// </summary>
internal sealed record ArtifactManifest(
    string Version,
    string Commit,
    bool Dirty,
    DateTimeOffset CommitTime,
    DateTimeOffset BuiltAt,
    string Runtime,
    string? WebNote,
    IReadOnlyList<ArtifactFile> Files)
{
    public const string FileName = "manifest.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // '+' of a dirty version stays readable; the manifest is never embedded in HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Hashes every file under <paramref name="root"/> except the manifest itself, in ordinal path order.</summary>
    public static IReadOnlyList<ArtifactFile> HashTree(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(path => RelativePath(root, path))
            .Where(path => path != FileName)
            .Order(StringComparer.Ordinal)
            .Select(path =>
            {
                using var stream = File.OpenRead(System.IO.Path.Combine(root, path));
                return new ArtifactFile(path, stream.Length, Hash(stream));
            })
            .ToList();

    public static string RelativePath(string root, string path) =>
        System.IO.Path.GetRelativePath(root, path).Replace(System.IO.Path.DirectorySeparatorChar, '/');

    public static string Hash(Stream stream) => Convert.ToHexStringLower(SHA256.HashData(stream));

    public static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public string ToJson() => JsonSerializer.Serialize(this, Json) + "\n";

    public void WriteTo(string artifactDirectory) => File.WriteAllText(System.IO.Path.Combine(artifactDirectory, FileName), ToJson());

    /// <summary>Parses a manifest; null (with a reason) when it is not one.</summary>
    public static ArtifactManifest? Parse(string json, out string? problem)
    {
        try
        {
            var manifest = JsonSerializer.Deserialize<ArtifactManifest>(json, Json);
            problem = manifest is { Version.Length: > 0, Files: not null } ? null : "manifest.json lacks a version or a file list";
            return problem is null ? manifest : null;
        }
        catch (JsonException e)
        {
            problem = $"manifest.json is not valid JSON ({e.Message.Split('.')[0]})";
            return null;
        }
    }

    public static ArtifactManifest Read(string artifactDirectory)
    {
        var path = System.IO.Path.Combine(artifactDirectory, FileName);
        if (!File.Exists(path))
        {
            throw new Cli.DeployException($"{path} does not exist: not an artifact.");
        }
        return Parse(File.ReadAllText(path), out var problem) ?? throw new Cli.DeployException($"{path}: {problem}.");
    }
}
