using Groundwork.Deploy.Processes;

namespace Groundwork.Deploy.Tests;

/// <summary>
/// Runs one deploy-plan script with bash as the Jenkins agent would, with a folder of fake commands (the simulated
/// account's aws, npx, dotnet…) first on PATH and the real python3, tar, sha256sum, mktemp behind them.
/// </summary>
internal static class PlanScript
{
    public static (int ExitCode, string Output) Run(string workDirectory, string fakeBin, string script)
    {
        var file = Path.Combine(workDirectory, "step.sh");
        File.WriteAllText(file, script);
        // Synchronous for the fake accounts' constructors and helpers; the tool's runner (CliWrap) never captures a context.
        var result = ProcessRunner.RunAsync("bash", [file], environment: new Dictionary<string, string?> { ["PATH"] = $"{fakeBin}:/usr/bin:/bin" })
            .GetAwaiter().GetResult();
        return (result.ExitCode, result.Output + result.Error);
    }

    /// <summary>The calls a fake command recorded in its log ("command args…" a line), oldest first.</summary>
    public static List<string> Calls(string log, string command) =>
        File.Exists(log) ? File.ReadAllLines(log).Where(l => l.StartsWith(command + " ", StringComparison.Ordinal)).ToList() : [];

    /// <summary>Runs a real tool (tar, to build a fake account's artifact) and fails the test if it fails.</summary>
    public static void Exec(string file, string[] args)
    {
        var result = ProcessRunner.RunAsync(file, args).GetAwaiter().GetResult();
        if (!result.Succeeded) throw new InvalidOperationException($"{file} failed: {result.LastLine}");
    }
}
