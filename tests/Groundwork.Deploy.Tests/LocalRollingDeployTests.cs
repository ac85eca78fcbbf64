using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Groundwork.Deploy.Local;
using Xunit.Abstractions;
using Groundwork.Workspace;

using Groundwork.LocalServers;

namespace Groundwork.Deploy.Tests;

/// <summary>
/// deploy --env local against the real local stack (AppHost: MariaDB primary + replica, Redis, two Api instances,
/// the edge), run as a separate process while users follow a short link through the edge the whole time.
/// </summary>
[Collection(ArtifactCollection.Name)]
public sealed class LocalRollingDeployTests(ArtifactFixture artifact, DeployStack stack, ITestOutputHelper output) : IClassFixture<DeployStack>
{
    private Task<ToolRun> Tool(params string[] arguments) =>
        ToolProcess.RunAsync([.. arguments, "--data-dir", stack.DataDirectory, "--artifacts", artifact.ArtifactsDirectory]);

    private async Task<string> CreateLinkAsync()
    {
        using var client = stack.CreateEdgeClient();
        var created = await client.PostAsJsonAsync("/api/links", new { url = "https://example.com/rolling-deploy/" + Guid.NewGuid() });
        created.EnsureSuccessStatusCode();
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("slug").GetString()!;
    }

    private async Task<IReadOnlyList<EdgeTarget>> TargetsAsync()
    {
        using var edge = EdgeTargets.For(stack.EdgeUrl.ToString());
        return await edge.ListAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Instances_are_replaced_one_at_a_time_with_zero_failed_requests_and_no_lost_clicks()
    {
        // Row 9 of docs/reliability.md is written whatever the outcome: a broken promise must not leave an old "yes".
        var measured = new Measured();
        var kept = false;
        try
        {
            await RollingDeployUnderLoadAsync(measured);
            kept = true;
        }
        finally
        {
            var (redirects, failed, clicks) = (measured.Redirects, measured.Failed, measured.Clicks);
            var lost = clicks < 0 ? "not checked (the test stopped before)" : clicks == redirects ? "none (clicks recorded = redirects made)" : $"{redirects - clicks} of {redirects} clicks";
            ReliabilityRow.WriteRollingDeploy(redirects + failed, failed, failed == 0 ? "" : $"{failed}× redirect not 302 (see the test output)", lost, kept,
                $"{stack.ApiInstances} instances replaced in {measured.Seconds:F1} s (tool process); {redirects} redirects served during and around it.");
        }
    }

    private sealed class Measured
    {
        public long Redirects { get; set; }
        public long Failed { get; set; }
        public long Clicks { get; set; } = -1;
        public double Seconds { get; set; }
    }

    private async Task RollingDeployUnderLoadAsync(Measured measured)
    {
        var slug = await CreateLinkAsync();
        var before = await TargetsAsync();
        Assert.Equal(stack.ApiInstances, before.Count);

        ToolRun deploy;
        long redirects;
        long failed;
        await using (var stream = new RequestStream(() => stack.CreateEdgeClient(), "/" + slug))
        {
            await stream.WaitForMoreAsync(50);
            var atStart = stream.Redirects;
            deploy = await Tool("deploy", "--env", "local", "--version", artifact.Version);
            var duringDeploy = stream.Redirects - atStart;
            await stream.WaitForMoreAsync(50);
            await stream.DisposeAsync();
            redirects = stream.Redirects;
            failed = stream.Failures.Count;
            (measured.Redirects, measured.Failed, measured.Seconds) = (redirects, failed, deploy.Elapsed.TotalSeconds);
            output.WriteLine(deploy.Output);
            output.WriteLine($"local rolling deploy of {before.Count} instances: {deploy.Elapsed.TotalSeconds:F1} s (tool process); " +
                $"{duringDeploy} redirects served while it ran, {redirects} in the whole stream, {stream.Failures.Count} failed");
            Assert.True(deploy.ExitCode == 0, deploy.Error + deploy.Output);
            Assert.True(stream.Failures.IsEmpty, string.Join('\n', stream.Failures));
        }

        // Every instance behind the edge now runs the artifact and says so.
        var after = await TargetsAsync();
        Assert.Equal(before.Count, after.Count);
        Assert.DoesNotContain(after, t => before.Any(b => b.Name == t.Name));
        using var http = new HttpClient();
        foreach (var target in after)
        {
            var health = await http.GetFromJsonAsync<JsonElement>(new Uri(new Uri(target.Url), "/health/ready"));
            Assert.Equal(artifact.Version, health.GetProperty("version").GetString());
        }
        // The AppHost's instances were stopped (gracefully: they flushed the clicks counted below)...
        foreach (var port in stack.ApiPorts)
        {
            Assert.Null(InstanceProcesses.FindListener(port));
        }
        // ...and the AppHost did not take the stack down because its api-N processes exited: the edge still serves.
        using (var client = stack.CreateEdgeClient())
        {
            Assert.Equal(System.Net.HttpStatusCode.Found, (await client.GetAsync("/" + slug)).StatusCode);
            redirects++;
        }

        // Clicks recorded = redirects made. The new instances flush every 5 s; the stopped ones flushed on SIGTERM.
        var clock = Stopwatch.StartNew();
        long clicks;
        using (var client = stack.CreateEdgeClient())
        {
            do
            {
                await Task.Delay(500);
                clicks = (await client.GetFromJsonAsync<JsonElement>($"/api/links/{slug}")).GetProperty("clicks").GetInt64();
            }
            while (clicks < redirects && clock.Elapsed < TimeSpan.FromSeconds(30));
        }
        (measured.Redirects, measured.Clicks) = (redirects, clicks);
        Assert.Equal(redirects, clicks);

        var status = await Tool("status", "--env", "local");
        Assert.Equal(0, status.ExitCode);
        Assert.Contains($"local: {artifact.Version}", status.Output);
    }

    [Fact]
    public async Task A_version_that_never_becomes_healthy_is_stopped_and_the_old_instances_keep_serving()
    {
        // Kestrel endpoints from configuration win over --urls: this build listens elsewhere and never answers its probe.
        var hiddenPort = FreePorts.Next();
        var broken = artifact.Version + "-broken";
        artifact.Variant(broken, directory => File.WriteAllText(Path.Combine(directory, "app", "appsettings.json"),
            $$"""{ "Kestrel": { "Endpoints": { "Hidden": { "Url": "http://127.0.0.1:{{hiddenPort}}" } } } }"""));
        var slug = await CreateLinkAsync();
        var before = await TargetsAsync();

        ToolRun deploy;
        await using (var stream = new RequestStream(() => stack.CreateEdgeClient(), "/" + slug))
        {
            await stream.WaitForMoreAsync(20);
            deploy = await Tool("deploy", "--env", "local", "--version", broken, "--health-timeout", "10");
            await stream.WaitForMoreAsync(20);
            await stream.DisposeAsync();
            output.WriteLine(deploy.Error);
            output.WriteLine($"{stream.Redirects} redirects during the failed deploy, {stream.Failures.Count} failed");
            Assert.True(stream.Failures.IsEmpty, string.Join('\n', stream.Failures));
        }

        Assert.NotEqual(0, deploy.ExitCode);
        var line = Assert.Single(deploy.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("was not ready within 10 s", line);
        Assert.Equal(before.Select(t => t.Name), (await TargetsAsync()).Select(t => t.Name));
        Assert.Null(InstanceProcesses.FindListener(hiddenPort));

        var status = await Tool("status", "--env", "local");
        Assert.Contains("failed: deploy of " + broken, status.Output);
    }

    [Fact]
    public async Task A_local_dry_run_names_the_stack_and_every_step_and_changes_nothing()
    {
        var before = await TargetsAsync();
        var run = await Tool("deploy", "--env", "local", "--version", artifact.Version, "--dry-run");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains($"edge {stack.EdgeUrl.ToString().TrimEnd('/')}", run.Output);
        Assert.Contains("Groundwork.Api.dll migrate", run.Output);
        Assert.Equal(before.Count, run.Output.Split('\n').Count(l => l.Contains("SIGTERM its process", StringComparison.Ordinal)));
        Assert.Equal(before.Select(t => t.Name), (await TargetsAsync()).Select(t => t.Name));
    }
}
