using System.Net;
using System.Net.Http.Json;
using Groundwork.LocalServers;
using Groundwork.Testing;
using Xunit.Abstractions;
using Groundwork.Workspace;

namespace Groundwork.AppHost.Tests;

/// <summary>
/// `./groundwork up` after a failover, with the data directory kept: the stack must come up with the roles the
/// failover left (server 2 primary, server 1 its read-only replica), not the initial ones, and serve both old and
/// new data. Two stacks in turn on one data directory and the same server ports, as a developer's restart is.
/// </summary>
[Collection(Name)]
public sealed class FailoverRestartTests(ITestOutputHelper output)
{
    public const string Name = "failover-restart";

    [Fact]
    public async Task A_restart_after_a_failover_comes_up_with_the_new_roles()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "gw-restart-" + Guid.NewGuid().ToString("N")[..8]);
        var ports = new[] { FreePorts.Next(), FreePorts.Next() };
        try
        {
            string before;
            await using (var first = new KeptDataStack(dataDirectory, ports))
            {
                await first.InitializeAsync();
                before = await CreateAsync(first, "before");
                var result = await new DataTierFailover(await DataTierLayout.DiscoverAsync(dataDirectory, default)).RunAsync();
                output.WriteLine(result.Summary);
                await CreateAsync(first, "between");
            }

            await using var second = new KeptDataStack(dataDirectory, ports);
            await second.InitializeAsync();
            output.WriteLine($"restart after the failover: healthy in {second.StartUpTime.TotalSeconds:F1} s");
            var layout = await DataTierLayout.DiscoverAsync(dataDirectory, default);
            Assert.Equal(2, layout.Primary.ServerId);
            Assert.Equal(1, layout.Replica.ServerId);
            Assert.True(await new DataTierSetup(layout).IsReplicatingAsync(default));

            using var client = second.CreateEdgeClient();
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/links/{before}")).StatusCode);
            var after = await CreateAsync(second, "after");
            await new DataTierSetup(layout).WaitForReplicaCaughtUpAsync(TimeSpan.FromSeconds(10), default);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/links/{after}")).StatusCode);
            for (var i = 1; i <= second.ApiInstances; i++)
            {
                using var instance = second.CreateInstanceClient(i);
                Assert.Equal(HttpStatusCode.OK, (await instance.GetAsync("/health/ready")).StatusCode);
            }

            // And the second run of the command fails back on the restarted stack.
            await new DataTierFailover(layout).RunAsync();
            Assert.Equal(1, layout.Primary.ServerId);
            await CreateAsync(second, "back");
        }
        finally
        {
            try
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<string> CreateAsync(LocalStack stack, string tag)
    {
        using var client = stack.CreateEdgeClient();
        var slug = $"restart-{tag}-{Guid.NewGuid().ToString("N")[..6]}";
        var response = await client.PostAsJsonAsync("/api/links", new { url = $"https://example.com/{tag}", slug });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return slug;
    }

    /// <summary>A stack on a given data directory and given database server ports (both kept across a restart).</summary>
    private sealed class KeptDataStack(string dataDirectory, int[] serverPorts) : LocalStack, IAsyncDisposable
    {
        protected override IEnumerable<KeyValuePair<string, string>> Environment =>
        [
            new("GROUNDWORK_DATA_DIR", dataDirectory),
            new("GROUNDWORK_PRIMARY_PORT", serverPorts[0].ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("GROUNDWORK_REPLICA_PORT", serverPorts[1].ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ];

        async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();
    }
}

/// <summary>
/// Alone, after the parallel classes: a LocalStack passes its topology to the in-process AppHost through process-wide
/// environment variables, so two stacks starting at once (this one and LocalStackTests' fixture) could swap settings.
/// </summary>
[CollectionDefinition(FailoverRestartTests.Name, DisableParallelization = true)]
public sealed class FailoverRestartCollection;
