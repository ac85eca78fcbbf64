namespace Groundwork.Deploy.Cli;

/// <summary>
/// A failure the operator can act on: the tool prints its message as one line and exits non-zero. Anything else that
/// escapes a command is a bug and keeps its stack trace.
/// </summary>
internal sealed class DeployException(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
