using System.Globalization;
using Groundwork.UserData;

namespace Groundwork.Deploy.Artifacts;

/// <summary>
/// Artifact versions. The default comes from git, never from the clock: <c>yyyyMMdd.shortsha</c> of the commit (UTC
/// commit date, 12 hex digits), <c>+dirty</c> when the tree has uncommitted changes, so two builds of one commit get one
/// version and the version alone says which source it came from. Versions end up in S3 keys, shell scripts and
/// CloudFormation context, so only the alphabet the user data renderer accepts is allowed.
/// </summary>
internal static class ArtifactVersion
{
    public const int ShortShaLength = 12;

    public static string FromGit(GitState git)
    {
        ArgumentNullException.ThrowIfNull(git);
        if (git.Commit.Length < ShortShaLength || !git.Commit.All(Uri.IsHexDigit))
        {
            throw new ArgumentException($"'{git.Commit}' is not a commit id.", nameof(git));
        }
        var date = git.CommitTime.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        return $"{date}.{git.Commit[..ShortShaLength].ToLowerInvariant()}{(git.Dirty ? "+dirty" : "")}";
    }

    public static bool IsValid(string? version) => version is not null && AppServerUserData.IsValidVersion(version);

    /// <summary>
    /// The commit a git-derived version was built from (its 12 hex digits), or null for a version given by hand
    /// (<c>--version 1.4.2</c>): the deploy of an AWS environment must run the tool and CDK app of that commit.
    /// </summary>
    public static string? CommitOf(string version)
    {
        var match = System.Text.RegularExpressions.Regex.Match(version, @"^[0-9]{8}\.([0-9a-f]{12})(\+dirty)?$");
        return match.Success ? match.Groups[1].Value : null;
    }

    /// <summary>The artifact's names for a version, as the app servers' user data expects them.</summary>
    public static string DirectoryName(string version) => $"groundwork-{version}";
    public static string ArchiveName(string version) => AppServerUserData.ArtifactName(version);
    public static string WebArchiveName(string version) => $"groundwork-{version}-web.zip";
}
