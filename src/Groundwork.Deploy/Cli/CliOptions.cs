using System.CommandLine;
using Groundwork.Deploy.Environments;
using Groundwork.Deploy.History;
using Groundwork.Deploy.Local;

using Groundwork.LocalServers;

namespace Groundwork.Deploy.Cli;

/// <summary>
/// What several commands share: the options every command accepts (<c>--artifacts</c>, <c>--data-dir</c>,
/// <c>--state-dir</c>), the <c>--env</c> option that parses an environment once, and the folders they resolve to.
/// </summary>
internal static class CliOptions
{
    /// <summary>Exit code of a command line or value the tool refuses (1 = the work itself failed).</summary>
    public const int BadInput = 2;

    public static readonly Option<string?> Artifacts = new("--artifacts")
    {
        Description = "Folder holding the artifacts (default: <repo>/artifacts)",
        Recursive = true,
    };

    public static readonly Option<string?> DataDir = new("--data-dir")
    {
        Description = "Local stack data directory holding stack.json (default: GROUNDWORK_DATA_DIR, else <repo>/.local/data)",
        Recursive = true,
    };

    public static readonly Option<string?> StateDir = new("--state-dir")
    {
        Description = "Where staging/production deploy history is kept (default: GROUNDWORK_DEPLOY_STATE, else <repo>/.local/deployments)",
        Recursive = true,
    };

    /// <summary>
    /// <c>--env</c>, parsed into a <see cref="DeployEnvironment"/> here, at the edge: a name outside
    /// <paramref name="accepted"/> is a parse error (one line, exit 2) before any command runs.
    /// </summary>
    public static Option<DeployEnvironment> Environment(IReadOnlyList<DeployEnvironment> accepted, string description) =>
        new Option<DeployEnvironment>("--env")
        {
            Description = description,
            Required = true,
            CustomParser = result =>
            {
                var name = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
                if (DeployEnvironment.Find(name, accepted) is { } environment)
                {
                    return environment;
                }
                result.AddError($"--env must be one of {string.Join(", ", accepted)}, not '{name}'.");
                return null;
            },
        }.AcceptOnlyFromAmong([.. accepted.Select(e => e.Name)]);

    /// <summary>The deploy targets: local, staging, production.</summary>
    public static Option<DeployEnvironment> DeployTarget() =>
        Environment(DeployEnvironment.DeployTargets, "Target environment: local, staging or production");

    public static string ArtifactsDirectory(ParseResult parse, Repository repository) =>
        Path.GetFullPath(parse.GetValue(Artifacts) ?? repository.ArtifactsDirectory);

    public static string LocalDataDirectory(ParseResult parse) =>
        LocalStackManifest.DataDirectory(parse.GetValue(DataDir), TryFindRepository());

    /// <summary>Local deploys are recorded next to the local stack's data; AWS deploys in the state directory (Jenkins keeps it).</summary>
    public static DeploymentHistory HistoryFor(ParseResult parse, DeployEnvironment environment)
    {
        if (environment.IsLocal)
        {
            return new DeploymentHistory(LocalDeployment.StateDirectory(LocalDataDirectory(parse)));
        }
        var configured = parse.GetValue(StateDir) ?? System.Environment.GetEnvironmentVariable("GROUNDWORK_DEPLOY_STATE");
        return new DeploymentHistory(Path.GetFullPath(configured ?? Path.Combine(Repository.Find().Root, ".local", "deployments")));
    }

    private static Repository? TryFindRepository()
    {
        try
        {
            return Repository.Find();
        }
        catch (DeployException)
        {
            return null;
        }
    }
}
