using System.ComponentModel;
using System.Text;
using CliWrap;

namespace Groundwork.Deploy.Processes;

/// <summary>The outcome of a finished child process.</summary>
internal sealed record ProcessResult(int ExitCode, string Output, string Error)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>The last non-empty line of stderr (or stdout): what a one-line failure message should quote.</summary>
    public string LastLine => Last(Error) ?? Last(Output) ?? $"exit code {ExitCode}";

    private static string? Last(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault(l => l.Length > 0);
}

/// <summary>
/// Runs a command to completion, capturing its output (git, dotnet publish, dotnet ... migrate), with CliWrap: the
/// one way this codebase runs child processes. This adapter only turns CliWrap's result into the tool's one-line
/// failure contract (<see cref="ProcessResult.LastLine"/>) and a missing program into exit 127, as a shell would.
/// </summary>
internal static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> arguments, string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null, CancellationToken cancellationToken = default)
    {
        var output = new StringBuilder();
        var error = new StringBuilder();
        // A null value removes the variable from the child's environment (CliWrap's semantics, kept from before).
        var command = CliWrap.Cli.Wrap(fileName)
            .WithArguments(arguments)
            .WithWorkingDirectory(workingDirectory ?? Directory.GetCurrentDirectory())
            .WithEnvironmentVariables(environment ?? new Dictionary<string, string?>())
            .WithStandardOutputPipe(PipeTarget.ToStringBuilder(output))
            .WithStandardErrorPipe(PipeTarget.ToStringBuilder(error))
            .WithValidation(CommandResultValidation.None);
        try
        {
            // Cancelling kills the child (CliWrap's forceful cancellation) and throws OperationCanceledException.
            var result = await command.ExecuteAsync(cancellationToken);
            return new ProcessResult(result.ExitCode, output.ToString(), error.ToString());
        }
        catch (Exception e) when (e is Win32Exception || e.InnerException is Win32Exception)
        {
            return new ProcessResult(127, "", $"{fileName}: {e.Message}");
        }
    }
}
