using System.Formats.Tar;
using System.IO.Compression;
using Groundwork.Deploy.Artifacts;

namespace Groundwork.Deploy.Tests;

/// <summary>manifest.json, the deterministic tarball and verify: an artifact is intact or verify says what is wrong.</summary>
public sealed class ManifestAndVerificationTests : IDisposable
{
    private static readonly DateTimeOffset CommitTime = new(2026, 11, 27, 9, 30, 0, TimeSpan.Zero);
    private readonly TemporaryDirectory temp = new();

    public void Dispose() => temp.Dispose();

    /// <summary>A small artifact of the real shape: app/, migrations/, deploy/, manifest.json.</summary>
    private string MakeArtifact(string name = "groundwork-1.0.0")
    {
        var root = temp.Combine(name);
        Directory.CreateDirectory(Path.Combine(root, "app"));
        Directory.CreateDirectory(Path.Combine(root, "migrations"));
        File.WriteAllBytes(Path.Combine(root, "app", "Groundwork.Api.dll"), Enumerable.Range(0, 50_000).Select(i => (byte)(i * 7)).ToArray());
        File.WriteAllText(Path.Combine(root, "app", "appsettings.json"), """{ "Logging": {} }""");
        File.WriteAllText(Path.Combine(root, "migrations", "V1_0__links.sql"), "CREATE TABLE links (id INT);");
        Rendering.DeployTemplates.WriteTo(Path.Combine(root, "deploy"), "1.0.0");
        new ArtifactManifest("1.0.0", new string('a', 40), false, CommitTime, DateTimeOffset.UtcNow, "linux-x64", null,
            ArtifactManifest.HashTree(root)).WriteTo(root);
        return root;
    }

    private string Pack(string root)
    {
        var archive = root + ".tar.gz";
        DeterministicArchive.WriteTarGz(root, archive, CommitTime);
        File.WriteAllText(archive + ".sha256", $"{ArtifactManifest.Hash(File.ReadAllBytes(archive))}  {Path.GetFileName(archive)}\n");
        return archive;
    }

    [Fact]
    public void The_manifest_lists_every_file_but_itself_with_size_and_sha256_in_path_order()
    {
        var root = MakeArtifact();
        var manifest = ArtifactManifest.Read(root);
        var paths = manifest.Files.Select(f => f.Path).ToList();
        Assert.Equal(paths.Order(StringComparer.Ordinal), paths);
        Assert.DoesNotContain(ArtifactManifest.FileName, paths);
        Assert.Contains("deploy/groundwork-api.service", paths);
        var dll = manifest.Files.Single(f => f.Path == "app/Groundwork.Api.dll");
        Assert.Equal(50_000, dll.Size);
        Assert.Equal(ArtifactManifest.Hash(File.ReadAllBytes(Path.Combine(root, "app", "Groundwork.Api.dll"))), dll.Sha256);
        Assert.Equal("1.0.0", manifest.Version);
    }

    [Fact]
    public void An_untouched_artifact_verifies_as_a_folder_and_as_a_tarball()
    {
        var root = MakeArtifact();
        Assert.True(ArtifactVerifier.Verify(root).Intact, ArtifactVerifier.Verify(root).Summary);
        var archive = ArtifactVerifier.Verify(Pack(root));
        Assert.True(archive.Intact, archive.Summary);
        Assert.Equal(ArtifactManifest.Read(root).Files.Count, archive.Manifest!.Files.Count);
    }

    [Fact]
    public void A_tampered_file_of_the_same_size_fails()
    {
        var root = MakeArtifact();
        var dll = Path.Combine(root, "app", "Groundwork.Api.dll");
        var bytes = File.ReadAllBytes(dll);
        bytes[12_345] ^= 0xFF;
        File.WriteAllBytes(dll, bytes);
        var verification = ArtifactVerifier.Verify(root);
        Assert.False(verification.Intact);
        Assert.Contains("app/Groundwork.Api.dll does not match its SHA-256 in the manifest (tampered)", verification.Problems);
    }

    [Fact]
    public void A_truncated_file_fails_as_truncated()
    {
        var root = MakeArtifact();
        using (var file = File.OpenWrite(Path.Combine(root, "app", "Groundwork.Api.dll")))
        {
            file.SetLength(1000);
        }
        var problem = Assert.Single(ArtifactVerifier.Verify(root).Problems);
        Assert.Equal("app/Groundwork.Api.dll is 1000 bytes, the manifest says 50000 (truncated or replaced)", problem);
    }

    [Fact]
    public void Added_and_missing_files_fail()
    {
        var root = MakeArtifact();
        File.Delete(Path.Combine(root, "migrations", "V1_0__links.sql"));
        File.WriteAllText(Path.Combine(root, "app", "evil.dll"), "x");
        var problems = ArtifactVerifier.Verify(root).Problems;
        Assert.Contains("migrations/V1_0__links.sql is missing", problems);
        Assert.Contains("app/evil.dll is not in the manifest (added)", problems);
    }

    [Fact]
    public void A_truncated_tarball_fails_with_a_clear_message()
    {
        var archive = Pack(MakeArtifact());
        File.Delete(archive + ".sha256");
        var bytes = File.ReadAllBytes(archive);
        File.WriteAllBytes(archive, bytes[..(bytes.Length / 2)]);
        var verification = ArtifactVerifier.Verify(archive);
        Assert.False(verification.Intact);
        Assert.Contains("the tarball is truncated or corrupt", verification.Summary);
    }

    [Fact]
    public void A_tarball_that_does_not_match_its_published_checksum_fails()
    {
        var archive = Pack(MakeArtifact());
        File.WriteAllText(archive + ".sha256", new string('0', 64) + "  " + Path.GetFileName(archive) + "\n");
        var verification = ArtifactVerifier.Verify(archive);
        Assert.False(verification.Intact);
        Assert.StartsWith("SHA-256 of the tarball is", verification.Problems[0]);
    }

    [Fact]
    public void A_tarball_whose_file_was_swapped_fails_even_with_a_matching_checksum_file()
    {
        // Someone rebuilt the tarball with a changed dll and recomputed the .sha256, but not the manifest.
        var root = MakeArtifact();
        File.WriteAllText(Path.Combine(root, "app", "appsettings.json"), """{ "Kestrel": {} }""");
        var verification = ArtifactVerifier.Verify(Pack(root));
        Assert.False(verification.Intact);
        Assert.Contains(verification.Problems, p => p.StartsWith("app/appsettings.json", StringComparison.Ordinal));
    }

    [Fact]
    public void The_same_files_pack_into_the_same_bytes_with_sorted_entries_fixed_times_and_no_owner()
    {
        var first = Pack(MakeArtifact("a/groundwork-1.0.0"));
        var second = Pack(MakeArtifact("b/groundwork-1.0.0"));
        // The manifests differ only in builtAt; the tarballs are equal once the manifest is the same.
        File.Copy(Path.Combine(temp.Combine("a/groundwork-1.0.0"), "manifest.json"), Path.Combine(temp.Combine("b/groundwork-1.0.0"), "manifest.json"), overwrite: true);
        File.SetLastWriteTimeUtc(Path.Combine(temp.Combine("b/groundwork-1.0.0"), "app", "appsettings.json"), DateTime.UtcNow.AddDays(-3));
        second = Pack(temp.Combine("b/groundwork-1.0.0"));
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));

        using var gzip = new GZipStream(File.OpenRead(first), CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        var names = new List<string>();
        while (tar.GetNextEntry() is { } entry)
        {
            names.Add(entry.Name);
            Assert.Equal(CommitTime, entry.ModificationTime);
            Assert.Equal(0, entry.Uid);
            Assert.Equal(0, entry.Gid);
            Assert.False(entry.Name.StartsWith('/') || entry.Name.StartsWith("groundwork-", StringComparison.Ordinal), "entries are relative to the release folder");
        }
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Contains("manifest.json", names);
    }

    [Fact]
    public async Task Verify_on_the_command_line_prints_one_line_and_exits_non_zero_on_tamper()
    {
        var root = MakeArtifact();
        File.AppendAllText(Path.Combine(root, "app", "appsettings.json"), " ");
        var run = await ToolProcess.RunAsync(["verify", root]);
        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("verification failed", line);
        Assert.Contains("app/appsettings.json", line);
    }

    [Fact]
    public void The_deploy_templates_are_what_the_user_data_renders_for_that_version()
    {
        var unit = Rendering.DeployTemplates.SystemdUnit("1.4.2");
        Assert.Contains("ExecStart=/usr/bin/dotnet /opt/groundwork/releases/1.4.2/app/Groundwork.Api.dll", unit);
        Assert.Contains("KillSignal=SIGTERM", unit);
        Assert.DoesNotContain("${VERSION}", unit);
        var userData = Rendering.DeployTemplates.UserData("1.4.2");
        Assert.Contains("VERSION='1.4.2'", userData);
        Assert.Contains("BUCKET='@ARTIFACT_BUCKET@'", userData);
    }
}

/// <summary>Finding the artifact of a version to deploy: the folder, else the tarball (extracted once); never unverified bytes.</summary>
public sealed class ArtifactStoreTests : IDisposable
{
    private readonly TemporaryDirectory temp = new();

    public void Dispose() => temp.Dispose();

    private string MakeArchive(string version)
    {
        var root = temp.Combine("staging", ArtifactVersion.DirectoryName(version));
        Directory.CreateDirectory(Path.Combine(root, "app"));
        File.WriteAllText(Path.Combine(root, "app", "Groundwork.Api.dll"), "app of " + version);
        new ArtifactManifest(version, new string('c', 40), false, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, "linux-x64", null,
            ArtifactManifest.HashTree(root)).WriteTo(root);
        var archive = temp.Combine(ArtifactVersion.ArchiveName(version));
        DeterministicArchive.WriteTarGz(root, archive, DateTimeOffset.UnixEpoch);
        return archive;
    }

    [Fact]
    public void Only_the_tarball_is_there_so_it_is_verified_and_extracted()
    {
        MakeArchive("3.0.0");
        var directory = ArtifactStore.Locate(temp.Path, "3.0.0");
        Assert.Equal(temp.Combine("groundwork-3.0.0"), directory);
        Assert.Equal("app of 3.0.0", File.ReadAllText(Path.Combine(directory, "app", "Groundwork.Api.dll")));
        Assert.False(Directory.Exists(directory + ".partial"));
    }

    [Fact]
    public void A_tampered_folder_or_a_wrong_version_is_refused()
    {
        MakeArchive("3.0.1");
        var directory = ArtifactStore.Locate(temp.Path, "3.0.1");
        File.AppendAllText(Path.Combine(directory, "app", "Groundwork.Api.dll"), "!");
        var tampered = Assert.Throws<Cli.DeployException>(() => ArtifactStore.Locate(temp.Path, "3.0.1"));
        Assert.StartsWith("refusing to deploy:", tampered.Message);

        Directory.Move(temp.Combine("staging", "groundwork-3.0.1"), temp.Combine("groundwork-3.0.2"));
        var renamed = Assert.Throws<Cli.DeployException>(() => ArtifactStore.Locate(temp.Path, "3.0.2"));
        Assert.Contains("holds version 3.0.1, not 3.0.2", renamed.Message);

        var missing = Assert.Throws<Cli.DeployException>(() => ArtifactStore.Locate(temp.Path, "9.9.9"));
        Assert.StartsWith("No artifact for version 9.9.9", missing.Message);
    }
}
