using System.Diagnostics;

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
        var start = new ProcessStartInfo("bash", [file]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["PATH"] = $"{fakeBin}:/usr/bin:/bin";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>The calls a fake command recorded in its log ("command args…" a line), oldest first.</summary>
    public static List<string> Calls(string log, string command) =>
        File.Exists(log) ? File.ReadAllLines(log).Where(l => l.StartsWith(command + " ", StringComparison.Ordinal)).ToList() : [];

    /// <summary>Runs a real tool (tar, to build a fake account's artifact) and fails the test if it fails.</summary>
    public static void Exec(string file, string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args))!;
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} failed");
    }
}
