using System.CommandLine;
using Spectre.Console;

namespace Groundwork.Deploy.Cli;

/// <summary>
/// The command line: build, verify, publish, deploy, status, rollback, stop, init, rotate-credentials, failover, cost.
/// Parse errors and operator errors (<see cref="DeployException"/>) print one line to stderr and exit non-zero
/// (2 = bad input, 1 = failed). Each command lives in its own class; this one only puts them together.
/// </summary>
internal static class DeployCli
{
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        if (Console.IsOutputRedirected)
        {
            // Jenkins logs and test captures: no wrapping at a pretend 80 columns.
            AnsiConsole.Profile.Width = 240;
        }
        var parse = Create().Parse(args);
        if (parse.Errors.Count > 0)
        {
            var message = string.Join(' ', parse.Errors[0].Message.Split((char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            await Console.Error.WriteLineAsync($"groundwork-deploy: {message} (see --help)");
            return CliOptions.BadInput;
        }
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (DeployException e)
        {
            await Console.Error.WriteLineAsync($"groundwork-deploy: {e.Message}");
            return e.ExitCode;
        }
    }

    /// <summary>The command tree (also what the Jenkins job tests parse the jobs' command lines with).</summary>
    internal static RootCommand Create()
    {
        var root = new RootCommand("Groundwork deploy tool: build once, deploy anywhere.")
        {
            CliOptions.Artifacts,
            CliOptions.DataDir,
            CliOptions.StateDir,
            ArtifactCommands.Build(),
            ArtifactCommands.Verify(),
            ArtifactCommands.Publish(),
            DeploymentCommands.Deploy(),
            DeploymentCommands.Status(),
            DeploymentCommands.Rollback(),
            DeploymentCommands.Stop(),
            InitCommand.Create(),
            RotateCredentialsCommand.Create(),
            FailoverCommand.Create(),
            CostCommand.Create(),
        };
        return root;
    }
}
