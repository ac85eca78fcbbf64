using Groundwork.Deploy.Processes;

namespace Groundwork.Deploy.Tests;

/// <summary>What a failed step quotes: the child's own one-line reason, not whatever it printed last on stdout.</summary>
public sealed class ProcessRunnerTests
{
    [Fact]
    public async Task A_failed_command_is_quoted_by_its_last_stderr_line_even_when_stdout_came_later()
    {
        var result = await ProcessRunner.RunAsync("bash", ["-c", "echo 'migrations applied: 1'; echo 'migrate failed: access denied' >&2; sleep 0.1; echo 'trailing output'; exit 3"]);
        Assert.Equal(3, result.ExitCode);
        Assert.Equal("migrate failed: access denied", result.LastLine);
    }

    [Theory]
    [InlineData("out 1\nout 2\n", "", "out 2")]        // dotnet publish: errors on stdout, nothing on stderr
    [InlineData("", "  \n", "exit code 1")]
    [InlineData("", "", "exit code 1")]
    public void Without_stderr_the_last_stdout_line_or_the_exit_code_is_quoted(string output, string error, string expected) =>
        Assert.Equal(expected, new ProcessResult(1, output, error).LastLine);

    [Fact]
    public async Task A_missing_program_is_exit_127_with_its_name()
    {
        var result = await ProcessRunner.RunAsync("groundwork-no-such-program", []);
        Assert.Equal(127, result.ExitCode);
        Assert.Contains("groundwork-no-such-program", result.LastLine, StringComparison.Ordinal);
    }
}
