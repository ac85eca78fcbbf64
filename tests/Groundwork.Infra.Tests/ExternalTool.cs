using CliWrap;
using CliWrap.Buffered;

namespace Groundwork.Infra.Tests;

/// <summary>
/// Runs a tool the infrastructure tests call (cfn-lint, npm, node, python3) to completion with CliWrap, the one way
/// this codebase runs child processes: output captured, the exit code left to the caller to judge.
/// Synchronous because the synth fixture and the report builders that call it are.
/// </summary>
internal static class ExternalTool
{
    public static BufferedCommandResult Run(string file, IEnumerable<string> arguments, string workingDirectory,
        IReadOnlyDictionary<string, string?>? environment = null, string? standardInput = null, TimeSpan? timeout = null)
    {
        using var cancellation = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(10));
        var command = Cli.Wrap(file)
            .WithArguments(arguments)
            .WithWorkingDirectory(workingDirectory)
            .WithEnvironmentVariables(environment ?? new Dictionary<string, string?>())
            .WithValidation(CommandResultValidation.None);
        if (standardInput is not null)
        {
            command = command.WithStandardInputPipe(PipeSource.FromString(standardInput));
        }
        // CliWrap never captures a synchronization context, so blocking here cannot deadlock.
        return command.ExecuteBufferedAsync(cancellation.Token).GetAwaiter().GetResult();
    }
}
