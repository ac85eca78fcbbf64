using System.Text.Json;
using Groundwork.LocalServers;

namespace Groundwork.Deploy.Tests;

/// <summary>
/// rotate-credentials' contract on the command line: in --help, bad input is one line and a non-zero exit, a dry run for
/// AWS prints the plan and touches nothing. The rotation itself runs against the real stack in the fault suite (row 11).
/// </summary>
public sealed class RotateCredentialsCommandTests
{
    [Fact]
    public async Task It_is_in_help_and_refuses_bad_input_with_one_line()
    {
        var help = await ToolProcess.RunAsync(["--help"]);
        Assert.Contains("rotate-credentials", help.Output, StringComparison.Ordinal);
        var own = await ToolProcess.RunAsync(["rotate-credentials", "--help"]);
        Assert.Contains("--user", own.Output, StringComparison.Ordinal);
        Assert.Contains("--dry-run", own.Output, StringComparison.Ordinal);

        var unknownEnv = await ToolProcess.RunAsync(["rotate-credentials", "--env", "qa"]);
        Assert.Equal(2, unknownEnv.ExitCode);
        Assert.Single(unknownEnv.Error.Trim().Split('\n'));

        var unknownUser = await ToolProcess.RunAsync(["rotate-credentials", "--env", "local", "--user", "root"]);
        Assert.Equal(2, unknownUser.ExitCode);
        Assert.Contains("'app' 'analytics'", unknownUser.Error, StringComparison.Ordinal);

        using var empty = new TemporaryDirectory();
        var noStack = await ToolProcess.RunAsync(["rotate-credentials", "--env", "local", "--data-dir", empty.Path]);
        Assert.Equal(1, noStack.ExitCode);
        Assert.Equal($"groundwork-deploy: No running local stack: {Path.Combine(empty.Path, StackManifest.FileName)} does not exist (start it with dotnet run --project src/Groundwork.AppHost).", noStack.Error.Trim());

        // A stack.json whose AppHost is gone is not a running stack either.
        await File.WriteAllTextAsync(Path.Combine(empty.Path, StackManifest.FileName), JsonSerializer.Serialize(
            new StackManifest(int.MaxValue, "http://127.0.0.1:1", "arn", "http://127.0.0.1:1/k", "a@example.com", "Server=127.0.0.1;Port=1", "Server=127.0.0.1;Port=2", "127.0.0.1:3", [], "http://127.0.0.1:4/"),
            JsonSerializerOptions.Web));
        var stale = await ToolProcess.RunAsync(["rotate-credentials", "--env", "local", "--data-dir", empty.Path]);
        Assert.Equal(1, stale.ExitCode);
        Assert.Contains("not running", stale.Error, StringComparison.Ordinal);
        Assert.Single(stale.Error.Trim().Split('\n'));
    }

    [Fact]
    public async Task A_dry_run_for_production_prints_the_single_user_rotation_plan_without_AWS()
    {
        var run = await ToolProcess.RunAsync(["rotate-credentials", "--env", "production", "--user", "analytics", "--dry-run"], BuiltArtifactTests.NoAws());
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("groundwork/production/db/analytics-readonly", run.Output, StringComparison.Ordinal);
        Assert.Contains("/groundwork/production/database/primary-endpoint", run.Output, StringComparison.Ordinal);
        foreach (var step in new[] { "createSecret", "setSecret", "testSecret", "finishSecret", "MASTER_GTID_WAIT", "refused" })
        {
            Assert.Contains(step, run.Output, StringComparison.Ordinal);
        }
    }
}
