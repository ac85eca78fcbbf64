using System.Diagnostics;
using System.Text;
using CliWrap;

namespace Groundwork.LocalServers;

/// <summary>
/// A server run as a child process. Long-running servers whose lifetime this class manages (kill, reap) stay on
/// <see cref="Process"/>; tools run to completion go through CliWrap (<see cref="RunToEndAsync"/>). Killing a server also reaps it (<see cref="Process.WaitForExitAsync(CancellationToken)"/>):
/// PID 1 on these machines does not reap orphans, so an unreaped child would stay a zombie.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    public string Name { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>Starts a long-running server. Its output goes to files it writes itself, so no pipe can fill up.</summary>
    public static ServerProcess Start(string name, string executable, IEnumerable<string> arguments, string workingDirectory)
    {
        var info = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
            // Discarded, not inherited: the server logs to its own file and must not write into a test runner's pipes.
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {executable}.");
        // Drain both pipes so a chatty server never blocks on a full pipe.
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ServerProcess(process, name);
    }

    /// <summary>SIGKILL, then wait for the exit so the kernel entry is reaped. The fault a crash would cause.</summary>
    public async Task KillAsync()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
        await _process.WaitForExitAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync().ConfigureAwait(false);
        _process.Dispose();
    }

    /// <summary>Runs a tool to completion (CliWrap) and returns its exit code with stdout and stderr combined.</summary>
    public static async Task<(int ExitCode, string Output)> RunToEndAsync(
        string executable, IEnumerable<string> arguments, CancellationToken ct)
    {
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        // Cancelling kills the tool and throws OperationCanceledException; a non-zero exit is the caller's to judge.
        var result = await Cli.Wrap(executable)
            .WithArguments(arguments)
            .WithStandardOutputPipe(PipeTarget.ToStringBuilder(stdout))
            .WithStandardErrorPipe(PipeTarget.ToStringBuilder(stderr))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(ct)
            .ConfigureAwait(false);
        return (result.ExitCode, stdout.Append(stderr).ToString());
    }
}
