using System.Diagnostics;

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
    public static string RepoRoot { get; } = FindRepoRoot();

    public static async Task<ToolRun> RunAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoRoot,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "groundwork-deploy.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(cancel.Token);
        return new ToolRun(process.ExitCode, await output, await error, clock.Elapsed);
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Groundwork.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Groundwork.slnx not found above the test assembly.");
    }
}
