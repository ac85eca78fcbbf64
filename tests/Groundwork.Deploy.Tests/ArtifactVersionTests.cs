using Groundwork.Deploy.Artifacts;

namespace Groundwork.Deploy.Tests;

public sealed class ArtifactVersionTests
{
    private const string Commit = "9A0206F14636b1c2d3e4f5a6b7c8d9e0f1a2b3c4";

    [Fact]
    public void The_default_version_is_the_commit_date_in_utc_and_the_short_sha()
    {
        // 23:30 at UTC-02:00 is already the next day in UTC: the date is the commit's UTC date, not the builder's.
        var git = new GitState(Commit, new DateTimeOffset(2026, 11, 26, 23, 30, 0, TimeSpan.FromHours(-2)), Dirty: false);
        Assert.Equal("20261127.9a0206f14636", ArtifactVersion.FromGit(git));
    }

    [Fact]
    public void A_dirty_tree_is_marked_so_it_never_passes_for_the_commit()
    {
        var git = new GitState(Commit, new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero), Dirty: true);
        var version = ArtifactVersion.FromGit(git);
        Assert.Equal("20261127.9a0206f14636+dirty", version);
        Assert.True(ArtifactVersion.IsValid(version));
    }

    [Fact]
    public void The_same_commit_gives_the_same_version_whatever_the_clock_says()
    {
        var git = new GitState(Commit, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), Dirty: false);
        Assert.Equal(ArtifactVersion.FromGit(git), ArtifactVersion.FromGit(git with { }));
    }

    [Theory]
    [InlineData("not-a-sha")]
    [InlineData("abc")]
    public void Something_that_is_not_a_commit_is_refused(string commit) =>
        Assert.Throws<ArgumentException>(() => ArtifactVersion.FromGit(new GitState(commit, DateTimeOffset.UnixEpoch, false)));

    [Theory]
    [InlineData("1.4.2", true)]
    [InlineData("20261127.9a0206f14636+dirty", true)]
    [InlineData("a b", false)]
    [InlineData("1.0';rm -rf /", false)]
    [InlineData("../1.0", false)]
    [InlineData("", false)]
    public void Versions_use_the_alphabet_the_user_data_accepts(string version, bool valid) =>
        Assert.Equal(valid, ArtifactVersion.IsValid(version));

    [Fact]
    public async Task The_work_tree_yields_a_version_of_that_shape()
    {
        var git = await new Repository(ToolProcess.RepoRoot).ReadGitStateAsync(CancellationToken.None);
        Assert.Matches(@"^\d{8}\.[0-9a-f]{12}(\+dirty)?$", ArtifactVersion.FromGit(git));
        Assert.Equal(40, git.Commit.Length);
    }

    [Fact]
    public void Artifact_names_follow_the_contract_of_the_app_servers_and_the_static_site()
    {
        Assert.Equal("groundwork-1.4.2", ArtifactVersion.DirectoryName("1.4.2"));
        Assert.Equal("groundwork-1.4.2.tar.gz", ArtifactVersion.ArchiveName("1.4.2"));
        Assert.Equal("groundwork-1.4.2-web.zip", ArtifactVersion.WebArchiveName("1.4.2"));
    }
}
