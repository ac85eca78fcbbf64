namespace Groundwork.Deploy.Tests;

/// <summary>
/// The failover command's contract as an operator sees it (the failover itself is proven on a real pair in
/// Groundwork.LocalServers.Tests and under load in Groundwork.Faults.Tests, scenario 12).
/// </summary>
public sealed class FailoverCommandTests
{
    [Fact]
    public async Task Failover_is_in_the_help()
    {
        var run = await ToolProcess.RunAsync(["--help"]);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("failover", run.Output);
    }

    [Theory]
    [InlineData("failover --env qa", 2)]
    [InlineData("failover", 2)]
    [InlineData("failover --env local --data-dir /nonexistent/groundwork-data", 1)]
    public async Task Bad_input_or_no_running_stack_gets_one_line_and_a_non_zero_exit(string arguments, int exitCode)
    {
        var run = await ToolProcess.RunAsync(arguments.Split(' '), BuiltArtifactTests.NoAws());
        Assert.Equal(exitCode, run.ExitCode);
        var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("groundwork-deploy: ", line);
    }

    [Fact]
    public async Task A_stale_stack_manifest_is_refused_without_touching_anything()
    {
        using var temp = new TemporaryDirectory();
        // An AppHost pid that cannot be running: the stack is down.
        File.WriteAllText(Path.Combine(temp.Path, "stack.json"), """
            {"appHostPid":2147483000,"edgeUrl":"http://127.0.0.1:1","albArn":"a","keyEndpoint":"k","adminEmails":"e",
             "primaryConnectionString":"Server=127.0.0.1","replicaConnectionString":"Server=127.0.0.1","redisConnectionString":"r","instances":[]}
            """);
        var run = await ToolProcess.RunAsync(["failover", "--env", "local", "--data-dir", temp.Path]);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("not running", Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.False(File.Exists(Path.Combine(temp.Path, "roles.json")));
    }

    [Theory]
    [InlineData("staging")]
    [InlineData("production")]
    public async Task For_aws_it_prints_the_rds_forced_failover_and_runs_nothing(string environment)
    {
        var run = await ToolProcess.RunAsync(["failover", "--env", environment], BuiltArtifactTests.NoAws());
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains($"aws rds reboot-db-instance --db-instance-identifier groundwork-{environment}-primary --force-failover", run.Output);
        Assert.Contains("not executed", run.Output);
    }
}
