using Groundwork.Deploy.Environments;
using Groundwork.Deploy.Artifacts;
using Groundwork.Deploy.Aws;
using Groundwork.Deploy.History;

namespace Groundwork.Deploy.Tests;

/// <summary>
/// Whole <c>deploy --env staging</c> runs of the tool against a <see cref="SimulatedAws"/> account in the states a real
/// one goes through: empty (nothing deployed yet), running (a version serving on two app servers), an ASG emptied by
/// hand; and rollbacks, which must run with the tool of the version's own commit.
/// </summary>
public sealed class AwsDeployStatesTests
{
    private static AwsEnvironment Staging => AwsEnvironment.Load(new Repository(ToolProcess.RepoRoot), DeployEnvironment.Staging);

    private static int Index(IReadOnlyList<string> events, string prefix)
    {
        var i = events.ToList().FindIndex(e => e.StartsWith(prefix, StringComparison.Ordinal));
        Assert.True(i >= 0, $"no event '{prefix}…' in:\n{string.Join('\n', events)}");
        return i;
    }

    [Fact]
    public async Task A_first_deploy_into_an_empty_environment_creates_the_data_tier_migrates_once_then_starts_app_servers_on_the_migrated_schema()
    {
        using var aws = new SimulatedAws(Staging);
        aws.Publish("1.4.2");

        var run = await aws.RunToolAsync("deploy", "--env", "staging", "--version", "1.4.2");

        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        var events = aws.Events();
        var data = Index(events, "create Groundwork-staging-Data 1.4.2");
        Assert.True(Index(events, "create Groundwork-staging-Network") < data && Index(events, "create Groundwork-staging-Monitoring") < data);
        var migrate = Index(events, "migrate 1.4.2");
        var app = Index(events, "create Groundwork-staging-App 1.4.2");
        Assert.True(data < migrate && migrate < app, string.Join('\n', events));
        Assert.Single(events, e => e.StartsWith("migrate ", StringComparison.Ordinal));
        // Every app server started after the migrations: none served the old (empty) schema.
        var launches = events.Where(e => e.StartsWith("launch ", StringComparison.Ordinal)).ToList();
        Assert.Equal(SimulatedAws.MinCapacity, launches.Count);
        Assert.All(launches, l => Assert.Contains(" 1.4.2 schema=migrated", l));
        Assert.All(launches, l => Assert.True(events.ToList().IndexOf(l) > migrate));
        foreach (var stack in Staging.AllStacks)
        {
            Assert.True(aws.StackExists(stack), stack);
        }
        Assert.True(Index(events, "create Groundwork-staging-StaticSite") > app);
        Assert.True(Index(events, "site-sync <html>1.4.2</html>") < Index(events, "invalidate"));
        Assert.Equal(["1.4.2", "1.4.2"], aws.InService().Select(i => i.Version));
        Assert.Equal("1.4.2", new DeploymentHistory(aws.StateDirectory).Current(DeployEnvironment.Staging)!.Version);
    }

    [Fact]
    public async Task A_deploy_into_a_running_environment_migrates_first_then_replaces_app_servers_one_at_a_time()
    {
        using var aws = new SimulatedAws(Staging);
        aws.Running("1.4.1");
        aws.Publish("1.4.2");

        var run = await aws.RunToolAsync("deploy", "--env", "staging", "--version", "1.4.2");

        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        var events = aws.Events();
        Assert.DoesNotContain(events, e => e.StartsWith("create ", StringComparison.Ordinal));
        Assert.Contains("unchanged Groundwork-staging-Data", events);
        var migrate = Index(events, "migrate 1.4.2");
        var update = Index(events, "update Groundwork-staging-App 1.4.2");
        Assert.True(migrate < update);
        // Rolling: launch, terminate, launch, terminate; never fewer than the minimum in service.
        var rolling = events.Skip(update + 1).Where(e => e.StartsWith("launch ", StringComparison.Ordinal) || e.StartsWith("terminate ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["launch", "terminate", "launch", "terminate"], rolling.Select(e => e.Split(' ')[0]));
        Assert.All(rolling, e => Assert.True(int.Parse(e[(e.LastIndexOf('=') + 1)..], System.Globalization.CultureInfo.InvariantCulture) >= SimulatedAws.MinCapacity, e));
        Assert.All(rolling.Where(e => e.StartsWith("launch", StringComparison.Ordinal)), e => Assert.Contains("schema=migrated", e));
        Assert.Equal(["1.4.2", "1.4.2"], aws.InService().Select(i => i.Version));
        Assert.Equal("<html>1.4.2</html>", aws.SiteIndex());
    }

    [Fact]
    public async Task An_environment_whose_app_servers_are_all_gone_still_migrates_and_comes_back_with_the_new_version()
    {
        using var aws = new SimulatedAws(Staging);
        aws.Running("1.4.1", instances: 0);
        aws.Publish("1.4.2");

        var run = await aws.RunToolAsync("deploy", "--env", "staging", "--version", "1.4.2");

        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        var events = aws.Events();
        Assert.True(Index(events, "migrate 1.4.2") < Index(events, "launch "));
        Assert.Equal(["1.4.2", "1.4.2"], aws.InService().Select(i => i.Version));
    }

    [Fact]
    public async Task An_unpublished_version_changes_nothing()
    {
        using var aws = new SimulatedAws(Staging);
        aws.Running("1.4.1");

        var run = await aws.RunToolAsync("deploy", "--env", "staging", "--version", "1.4.2");

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("groundwork-deploy: step 1 (Check that groundwork-1.4.2.tar.gz", Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Empty(aws.Events());
        Assert.Equal(["1.4.1", "1.4.1"], aws.InService().Select(i => i.Version));
        Assert.Null(new DeploymentHistory(aws.StateDirectory).Current(DeployEnvironment.Staging));
    }

    [Fact]
    public async Task A_migration_longer_than_the_migration_timeout_stops_the_deploy_before_any_app_server_changes()
    {
        using var aws = new SimulatedAws(Staging);
        aws.Running("1.4.1");
        aws.Publish("1.4.2");
        aws.MigrationSeconds = 30;
        var script = AwsDeployPlan.MigrateScript(Staging, "groundwork-1.4.2.tar.gz", TimeSpan.FromSeconds(2));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (exitCode, output) = aws.RunScript(script);

        Assert.Equal(124, exitCode);
        Assert.Contains("migrate timed out after 2 s", output);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), clock.Elapsed.ToString());
        Assert.DoesNotContain(aws.Events(), e => e.StartsWith("migrate ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_migration_that_takes_a_while_is_waited_for_and_each_statement_gets_the_same_timeout()
    {
        using var aws = new SimulatedAws(Staging);
        aws.Running("1.4.1");
        aws.Publish("1.4.2");
        aws.MigrationSeconds = 3;

        var run = await aws.RunToolAsync("deploy", "--env", "staging", "--version", "1.4.2", "--migration-timeout", "90");

        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        Assert.Contains("at most 90 min", run.Output);
        Assert.Contains("migrate 1.4.2", aws.Events());
        // Evolve's per-statement timeout follows the step's (the default 60 s would stop a long ALTER).
        var script = AwsDeployPlan.For(Staging, "1.4.2", TimeSpan.FromMinutes(90))[2].Script!;
        Assert.Contains("export Database__MigrationCommandTimeout=01:30:00", script);
        Assert.Contains("timeout --kill-after=60 5400 dotnet", script);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1441")]
    [InlineData("soon")]
    public async Task A_migration_timeout_out_of_range_is_bad_input(string minutes)
    {
        var run = await ToolProcess.RunAsync(["deploy", "--env", "staging", "--version", "1.4.2", "--migration-timeout", minutes], BuiltArtifactTests.NoAws());
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("groundwork-deploy: ", Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    private static async Task<string> HeadVersionAsync()
    {
        var git = await new Repository(ToolProcess.RepoRoot).ReadGitStateAsync(CancellationToken.None);
        return ArtifactVersion.FromGit(git with { Dirty = false });
    }

    [Fact]
    public async Task A_rollback_deploys_the_previous_version_when_run_from_that_versions_commit()
    {
        var previous = await HeadVersionAsync();
        const string Current = "20261201.aaaaaaaaaaaa";
        using var aws = new SimulatedAws(Staging);
        aws.Running(Current);
        aws.Publish(previous);
        var history = new DeploymentHistory(aws.StateDirectory);
        history.Append(new DeploymentRecord("staging", previous, "ci", DateTimeOffset.UtcNow.AddDays(-7), true));
        history.Append(new DeploymentRecord("staging", Current, "ci", DateTimeOffset.UtcNow.AddDays(-1), true));

        var run = await aws.RunToolAsync("rollback", "--env", "staging");

        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        Assert.Contains($"Rolling staging back from {Current} to {previous}", run.Output);
        Assert.Equal([previous, previous], aws.InService().Select(i => i.Version));
        Assert.Equal(previous, history.Current(DeployEnvironment.Staging)!.Version);
    }

    [Fact]
    public async Task A_rollback_from_another_commits_work_tree_is_refused_before_anything_changes()
    {
        var head = await HeadVersionAsync();
        const string Previous = "20261120.bbbbbbbbbbbb";
        using var aws = new SimulatedAws(Staging);
        aws.Running(head);
        aws.Publish(Previous);
        var history = new DeploymentHistory(aws.StateDirectory);
        history.Append(new DeploymentRecord("staging", Previous, "ci", DateTimeOffset.UtcNow.AddDays(-7), true));
        history.Append(new DeploymentRecord("staging", head, "ci", DateTimeOffset.UtcNow.AddDays(-1), true));

        var run = await aws.RunToolAsync("rollback", "--env", "staging");

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"{Previous} was built from commit bbbbbbbbbbbb", line);
        Assert.Contains("git checkout bbbbbbbbbbbb", line);
        Assert.Empty(aws.Events());
        Assert.Equal([head, head], aws.InService().Select(i => i.Version));

        // What the deploy job does first: write the version down, change nothing, then check out its commit.
        var file = Path.Combine(aws.StateDirectory, "out", "ROLLBACK_VERSION");
        var resolve = await aws.RunToolAsync("rollback", "--env", "staging", "--version-file", file);
        Assert.True(resolve.ExitCode == 0, resolve.Error);
        Assert.Equal(Previous + "\n", File.ReadAllText(file));
        Assert.Empty(aws.Events());
    }
}
