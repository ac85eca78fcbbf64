using Groundwork.Deploy.Cli;
using Groundwork.Deploy.Processes;
using Groundwork.Workspace;

namespace Groundwork.Deploy;

/// <summary>The Groundwork work tree the tool builds from: found upwards from the current directory.</summary>
internal sealed record Repository(string Root)
{
    public string ArtifactsDirectory => Path.Combine(Root, "artifacts");
    public string ApiProject => Path.Combine(Root, "src", "Groundwork.Api", "Groundwork.Api.csproj");
    public string MigrationsDirectory => Path.Combine(Root, "src", "Groundwork.Api", "Migrations");
    public string WebDist => Path.Combine(Root, "web", "dist");
    public string InfraProject => Path.Combine(Root, "src", "Groundwork.Infra", "Groundwork.Infra.csproj");
    public string LocalDataDirectory => Path.Combine(Root, ".local", "data");

    public static Repository Find(string? start = null)
    {
        var root = RepositoryRoot.TryFind(start, Directory.GetCurrentDirectory(), AppContext.BaseDirectory);
        return root is not null
            ? new Repository(root)
            : throw new DeployException($"Not inside the Groundwork repository ({RepositoryRoot.MarkerFile} not found); run from the work tree.");
    }

    /// <summary>HEAD's commit, its commit time and whether the tree has uncommitted changes (the inputs of a version).</summary>
    public async Task<GitState> ReadGitStateAsync(CancellationToken cancellationToken)
    {
        var head = await GitAsync(cancellationToken, "log", "-1", "--format=%H %ct");
        var parts = head.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2 || !long.TryParse(parts[1], out var epoch))
        {
            throw new DeployException($"git log gave an unexpected answer: '{head}'.");
        }
        // Untracked files count as dirty too (a new source file changes the build); ignored ones (bin/, artifacts/) do not.
        var status = await GitAsync(cancellationToken, "status", "--porcelain", "--untracked-files=normal");
        return new GitState(parts[0], DateTimeOffset.FromUnixTimeSeconds(epoch), status.Length > 0);
    }

    private async Task<string> GitAsync(CancellationToken cancellationToken, params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync("git", ["-C", Root, .. arguments], cancellationToken: cancellationToken);
        if (!result.Succeeded)
        {
            throw new DeployException($"git {arguments[0]} failed: {result.LastLine}");
        }
        return result.Output.Trim();
    }
}

/// <summary>The source a build comes from.</summary>
internal sealed record GitState(string Commit, DateTimeOffset CommitTime, bool Dirty);
