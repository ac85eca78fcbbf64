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
}
