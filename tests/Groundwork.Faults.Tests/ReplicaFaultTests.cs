using Groundwork.Testing;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Groundwork.Faults.Tests.Infrastructure;
using MySqlConnector;
using Xunit.Abstractions;

namespace Groundwork.Faults.Tests;

/// <summary>Promises 1 and 2: the replica dies or falls behind, and nobody notices.</summary>
[Collection(FaultsCollection.Name)]
public sealed class ReplicaFaultTests(FaultStack stack, ITestOutputHelper output)
{
    [Fact]
    public async Task Replica_killed_and_restarted_fails_no_read_and_reads_return_to_the_replica()
    {
        var seeds = await stack.SeedAsync("s1", 8);
        await using var load = new LoadStream(stack.EdgeUrl, "s1", seeds).Start();
        long replicaReadsAfter = 0;
        DataLoss? loss = null;
        try
        {
            await load.RunForAtLeastAsync(100, TimeSpan.FromSeconds(2));
            load.Phase = "replica down";
            try
            {
                await stack.CrashAsync(stack.ReplicaPort);
                await load.RunForAtLeastAsync(200, TimeSpan.FromSeconds(5));
            }
            finally
            {
                load.Phase = "replica restarting";
                await stack.RestartAsync("replica");
            }
            await stack.Setup.WaitForReplicaCaughtUpAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
            await stack.WaitUntilAllHealthyAsync(TimeSpan.FromSeconds(30));

            // Back and caught up: the replica serves reads again.
            load.Phase = "after";
            await using (var replica = await stack.ReplicaRootAsync())
            {
                await TableReads.EnableAsync(replica);
                var before = await TableReads.ReadAsync(replica);
                await load.RunForAtLeastAsync(150, TimeSpan.FromSeconds(3));
                replicaReadsAfter = await TableReads.ReadAsync(replica) - before;
            }
            await load.StopAsync();
            loss = await DataLoss.MeasureAsync(stack, load, TimeSpan.FromSeconds(20));
        }
        finally
        {
            await load.StopAsync();
            output.WriteLine($"requests {load.Requests}, failures: {load.FailureSummary()}, rows read on the replica after: {replicaReadsAfter}, loss: {loss?.Describe()}");
            ReliabilityResults.Record(new ReliabilityScenarioResult(1,
                "Replica killed and restarted: 0 failed reads; reads fall back to the primary and return to the replica",
                "SIGKILL of the replica's mariadbd for ~5 s, then started again by Aspire",
                load.Requests, load.Failures.Count, load.FailureSummary(), loss?.Short() ?? "not measured",
                load.Failures.Count == 0 && loss is { None: true } && replicaReadsAfter > 0,
                $"Reads during the outage were served by the primary (the failed replica read is retried there in the same request; the replica monitor then routes reads to the primary). " +
                $"After the restart the replica served reads again ({replicaReadsAfter} rows read on it in ~3 s of load).",
                DateTimeOffset.UtcNow));
        }

        Assert.Empty(load.Failures);
        Assert.True(loss!.None, loss.Describe());
        Assert.True(replicaReadsAfter > 0, "no read was served by the replica after it came back");
    }

    [Fact]
    public async Task Replica_lagging_30_s_keeps_read_your_writes_and_stats_never_go_backwards()
    {
        var seeds = await stack.SeedAsync("s2", 4);
        await using var load = new LoadStream(stack.EdgeUrl, "s2", seeds) { Mix = (60, 0, 30, 10) }.Start();
        var sequences = 0;
        var broken = new List<string>();
        DataLoss? loss = null;
        try
        {
            await load.RunForAtLeastAsync(100, TimeSpan.FromSeconds(2));
            load.Phase = "replica lagging";
            await using (var replica = await stack.ReplicaRootAsync())
            {
                await Execute(replica, "STOP SLAVE SQL_THREAD");
                try
                {
                    var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
                    var i = 0;
                    while (DateTime.UtcNow < until)
                    {
                        // Half the clients keep cookies (the gw-pos write position), half are curl-like.
                        var error = await CreateThenFollowAsync($"s2-ryw-{i}-{Guid.NewGuid().ToString("N")[..6]}", withCookies: i % 2 == 0);
                        sequences++;
                        i++;
                        if (error is not null)
                        {
                            broken.Add(error);
                        }
                        await Task.Delay(200);
                    }
                }
                finally
                {
                    await Execute(replica, "START SLAVE SQL_THREAD");
                }
            }
            load.Phase = "after";
            await stack.Setup.WaitForReplicaCaughtUpAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
            await stack.WaitUntilAllHealthyAsync(TimeSpan.FromSeconds(30));
            await load.RunForAtLeastAsync(100, TimeSpan.FromSeconds(3));
            await load.StopAsync();
            loss = await DataLoss.MeasureAsync(stack, load, TimeSpan.FromSeconds(20));
        }
        finally
        {
            await load.StopAsync();
            output.WriteLine($"requests {load.Requests}, failures: {load.FailureSummary()}, sequences {sequences}, broken {broken.Count}: {string.Join("; ", broken.Take(5))}; backwards: {string.Join("; ", load.StatsWentBackwards.Take(5))}; loss: {loss?.Describe()}");
            var requests = load.Requests + sequences * 4;
            ReliabilityResults.Record(new ReliabilityScenarioResult(2,
                "Replica lagging: read-your-writes holds for 100% of create → follow sequences; stats may lag but never go backwards",
                "replica SQL thread stopped for 30 s (STOP SLAVE SQL_THREAD) under load",
                requests, load.Failures.Count + broken.Count,
                string.Join("; ", new[] { load.Failures.Count > 0 ? load.FailureSummary() : null, broken.Count > 0 ? $"{broken.Count} of {sequences} create → follow sequences broken" : null }.Where(x => x is not null)),
                loss?.Short() ?? "not measured",
                load.Failures.Count == 0 && broken.Count == 0 && load.StatsWentBackwards.Count == 0 && loss is { None: true },
                $"{sequences} create → redirect → stats → click-series sequences through the edge, half with the gw-pos cookie and half without: {sequences - broken.Count} saw their own write. " +
                $"Stats read {load.RequestsByOperation.GetValueOrDefault("stats")} times; went backwards {load.StatsWentBackwards.Count} times.",
                DateTimeOffset.UtcNow));
        }

        Assert.Empty(broken);
        Assert.Empty(load.Failures);
        Assert.Empty(load.StatsWentBackwards);
        Assert.True(loss!.None, loss.Describe());
    }

    /// <summary>Create a link, then at once follow it, read its stats and its click series: all must see the new link.</summary>
    private async Task<string?> CreateThenFollowAsync(string slug, bool withCookies)
    {
        using var client = stack.CreateEdgeClient(withCookies ? new System.Net.CookieContainer() : null);
        var url = $"https://example.com/ryw/{slug}";
        var created = await client.PostAsJsonAsync("/api/links", new { url, slug });
        if (created.StatusCode != HttpStatusCode.Created)
        {
            return $"{slug}: create answered {(int)created.StatusCode}";
        }
        var redirect = await client.GetAsync("/" + slug);
        if (redirect.StatusCode != HttpStatusCode.Found || redirect.Headers.Location?.OriginalString != url)
        {
            return $"{slug}: redirect answered {(int)redirect.StatusCode}";
        }
        var stats = await client.GetAsync($"/api/links/{slug}");
        if (stats.StatusCode != HttpStatusCode.OK || (await stats.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("url").GetString() != url)
        {
            return $"{slug}: stats answered {(int)stats.StatusCode}";
        }
        var series = await client.GetAsync($"/api/links/{slug}/clicks");
        return series.StatusCode == HttpStatusCode.OK ? null : $"{slug}: click series answered {(int)series.StatusCode}";
    }

    private static async Task Execute(MySqlConnection connection, string sql)
    {
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
