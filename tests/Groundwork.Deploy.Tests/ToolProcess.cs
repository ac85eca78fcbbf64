using System.Diagnostics;
using Groundwork.Deploy.Processes;
using Groundwork.Workspace;

namespace Groundwork.Deploy.Tests;

/// <summary>The output of one run of the tool as a separate process (what Jenkins and an operator see).</summary>
public sealed record ToolRun(int ExitCode, string Output, string Error, TimeSpan Elapsed);

/// <summary>
/// Runs groundwork-deploy as its own process from the repository root, exactly like `dotnet run --project
/// src/Groundwork.Deploy -- ...` but without rebuilding: a deploy must work from a process that exits (the instances
/// it starts must outlive it), and exit codes and stderr lines are part of its contract.
/// </summary>
public static class ToolProcess
{
    public static string RepoRoot => RepositoryRoot.Current;

    /// <summary>Runs the tool with the deploy tool's own runner; past the timeout the tool's process tree is killed.</summary>
    public static async Task<ToolRun> RunAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(5));
        var result = await ProcessRunner.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "groundwork-deploy.dll"), .. arguments],
            RepoRoot, environment, cancel.Token);
        return new ToolRun(result.ExitCode, result.Output, result.Error, clock.Elapsed);
    }
}
