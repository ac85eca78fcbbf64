using Groundwork.Testing;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Groundwork.Faults.Tests.Infrastructure;
using MySqlConnector;
using Xunit.Abstractions;

namespace Groundwork.Faults.Tests;

/// <summary>Promises 5 and 6: the primary dies, or holds a lock; writes fail fast and cleanly, reads go on, nothing is lost.</summary>
[Collection(FaultsCollection.Name)]
public sealed class PrimaryFaultTests(FaultStack stack, ITestOutputHelper output)
{
    [Fact]
    public async Task Primary_killed_fails_writes_fast_with_503_keeps_reads_and_flushes_clicks_after_it_returns()
    {
        var seeds = await stack.SeedAsync("s5", 8);
        await using var load = new LoadStream(stack.EdgeUrl, "s5", seeds) { Mix = (65, 10, 15, 10) }.Start();
        DataLoss? loss = null;
        var probes = new List<(HttpStatusCode Status, bool RetryAfter, bool Problem, double Ms)>();
        var writesAfter = new List<HttpStatusCode>();
        try
        {
            await load.RunForAtLeastAsync(100, TimeSpan.FromSeconds(2));
            load.Phase = "primary down";
            try
            {
                await stack.CrashAsync(stack.PrimaryPort);
                using var client = stack.CreateEdgeClient();
                for (var i = 0; i < 10; i++)
                {
                    var clock = Stopwatch.StartNew();
                    using var response = await client.PostAsJsonAsync("/api/links", new { url = "https://example.com/s5/while-down", slug = $"s5-down-{i}-{Guid.NewGuid().ToString("N")[..6]}" });
                    probes.Add((response.StatusCode, response.Headers.RetryAfter is not null,
                        response.Content.Headers.ContentType?.MediaType == "application/problem+json", clock.Elapsed.TotalMilliseconds));
                    await Task.Delay(200);
                }
                await load.RunForAtLeastAsync(200, TimeSpan.FromSeconds(3));
            }
            finally
            {
                load.Phase = "primary restarting";
                await stack.RestartAsync("primary");
            }
            // Nothing else is restarted: the app's pools, the replica's IO thread and the click buffer recover by themselves.
            load.Phase = "after";
            using (var client = stack.CreateEdgeClient())
            {
                for (var i = 0; i < 10; i++)
                {
                    using var response = await client.PostAsJsonAsync("/api/links", new { url = "https://example.com/s5/after", slug = $"s5-after-{i}-{Guid.NewGuid().ToString("N")[..6]}" });
                    writesAfter.Add(response.StatusCode);
                }
            }
            await stack.Setup.WaitForReplicaCaughtUpAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
            await stack.WaitUntilAllHealthyAsync(TimeSpan.FromSeconds(30));
            await load.RunForAtLeastAsync(100, TimeSpan.FromSeconds(2));
            await load.StopAsync();
            loss = await DataLoss.MeasureAsync(stack, load, TimeSpan.FromSeconds(30));
        }
        finally
        {
            await load.StopAsync();
            var slowest = probes.Count == 0 ? 0 : probes.Max(p => p.Ms);
            output.WriteLine($"requests {load.Requests}, failures: {load.FailureSummary()}, probes: {string.Join(", ", probes.Select(p => $"{(int)p.Status}/{p.Ms:F0}ms"))}, after: {string.Join(",", writesAfter.Select(s => (int)s))}, loss: {loss?.Describe()}");
            var readFailures = load.Failures.Count(f => f.Operation != "create");
            var badWriteFailures = load.Failures.Count(f => f.Operation == "create" && !(f.Status == 503 && f.HasRetryAfter && f.IsProblem));
            ReliabilityResults.Record(new ReliabilityScenarioResult(5,
                "Primary killed: writes fail fast (< 2 s) with 503 + Retry-After; reads of known links keep working; writes succeed after it returns; clicks flushed later",
                "SIGKILL of the primary's mariadbd for ~5 s, then started again by Aspire (nothing else restarted)",
                load.Requests + probes.Count + writesAfter.Count, load.Failures.Count, load.FailureSummary(), loss?.Short() ?? "not measured",
                readFailures == 0 && badWriteFailures == 0 && probes.All(p => p.Status == HttpStatusCode.ServiceUnavailable && p.RetryAfter && p.Problem && p.Ms < 2000)
                    && writesAfter.All(s => s == HttpStatusCode.Created) && loss is { None: true },
                $"Creations while the primary was down: 503 problem details with Retry-After, slowest {slowest:F0} ms (connect to a dead host fails at once; the 1 s connect timeout bounds a hung one). " +
                $"Redirects were served from the cache, stats and click series by the replica. The first {writesAfter.Count} creations after the restart: {string.Join(", ", writesAfter.GroupBy(s => (int)s).Select(g => $"{g.Count()}× {g.Key}"))}. " +
                "Clicks counted during the outage stayed in the bounded buffer and were flushed once the primary was back.",
                DateTimeOffset.UtcNow));
        }

        Assert.Equal(0, load.Failures.Count(f => f.Operation != "create"));
        Assert.All(load.Failures, f => Assert.True(f.Status == 503 && f.HasRetryAfter && f.IsProblem, $"a failed create got {f.Status} ({f.Error}, {f.Phase})"));
        Assert.All(probes, p => Assert.True(p.Status == HttpStatusCode.ServiceUnavailable && p.RetryAfter && p.Problem && p.Ms < 2000,
            $"a write while the primary was down got {(int)p.Status} after {p.Ms:F0} ms (Retry-After {p.RetryAfter}, problem {p.Problem})"));
        Assert.All(writesAfter, s => Assert.Equal(HttpStatusCode.Created, s));
        Assert.True(loss!.None, loss.Describe());
    }

    [Fact]
    public async Task Slow_database_ends_requests_with_clean_504_and_other_endpoints_stay_responsive()
    {
        var seeds = await stack.SeedAsync("s6", 8);
        await using var load = new LoadStream(stack.EdgeUrl, "s6", seeds) { Mix = (70, 10, 10, 10) }.Start();
        DataLoss? loss = null;
        var burst = new List<(int Status, bool Problem, bool RetryAfter, double Ms)>();
        var liveDuringLock = new List<HttpStatusCode>();
        try
        {
            await load.RunForAtLeastAsync(100, TimeSpan.FromSeconds(2));
            await using (var root = await stack.PrimaryRootAsync())
            {
                await using (var lockTables = new MySqlCommand("LOCK TABLES groundwork.links WRITE", root))
                {
                    await lockTables.ExecuteNonQueryAsync();
                }
                load.Phase = "links table locked";
                try
                {
                    // 40 creations at once pile up on the lock: none may hold a thread while it waits.
                    using var client = stack.CreateEdgeClient();
                    var creates = Enumerable.Range(0, 40).Select(async i =>
                    {
                        var clock = Stopwatch.StartNew();
                        using var response = await client.PostAsJsonAsync("/api/links", new { url = "https://example.com/s6/locked", slug = $"s6-locked-{i}-{Guid.NewGuid().ToString("N")[..6]}" });
                        return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType == "application/problem+json", response.Headers.RetryAfter is not null, clock.Elapsed.TotalMilliseconds);
                    }).ToList();
                    // Meanwhile liveness and cached redirects answer.
                    for (var i = 0; i < 20; i++)
                    {
                        for (var instance = 1; instance <= stack.ApiInstances; instance++)
                        {
                            using var direct = stack.CreateInstanceClient(instance);
                            liveDuringLock.Add((await direct.GetAsync("/health/live")).StatusCode);
                        }
                        await Task.Delay(200);
                    }
                    burst.AddRange(await Task.WhenAll(creates));
                }
                finally
                {
                    await using var unlock = new MySqlCommand("UNLOCK TABLES", root);
                    await unlock.ExecuteNonQueryAsync();
                }
            }
            load.Phase = "after";
            await load.RunForAtLeastAsync(100, TimeSpan.FromSeconds(3));
            await load.StopAsync();
            loss = await DataLoss.MeasureAsync(stack, load, TimeSpan.FromSeconds(30));
        }
        finally
        {
            await load.StopAsync();
            output.WriteLine($"requests {load.Requests}, failures: {load.FailureSummary()}, burst: {string.Join(", ", burst.GroupBy(b => b.Status).Select(g => $"{g.Count()}× {g.Key} (max {g.Max(x => x.Ms):F0} ms)"))}, live: {liveDuringLock.Count(s => s == HttpStatusCode.OK)}/{liveDuringLock.Count}, loss: {loss?.Describe()}");
            ReliabilityResults.Record(new ReliabilityScenarioResult(6,
                "Slow database: requests time out cleanly with 503/504 problem details; no thread-pool starvation",
                "LOCK TABLES links WRITE on the primary for ~4 s under load, plus 40 concurrent creations queued on the lock",
                load.Requests + burst.Count + liveDuringLock.Count, load.Failures.Count + burst.Count(b => b.Status != 201), string.Join("; ", new[]
                {
                    load.Failures.Count > 0 ? load.FailureSummary() : null,
                    burst.Count > 0 ? $"burst of 40 creates: {string.Join(", ", burst.GroupBy(b => b.Status).Select(g => $"{g.Count()}× {g.Key}"))}" : null,
                }.Where(x => x is not null)),
                loss?.Short() ?? "not measured",
                load.Failures.All(f => f.Operation == "create" && f.Status is 503 or 504 && f.IsProblem)
                    && burst.All(b => b.Status == 201 || (b.Status is 503 or 504 && b.Problem && b.RetryAfter))
                    && liveDuringLock.All(s => s == HttpStatusCode.OK) && loss is { None: true },
                $"Writes waiting on the lock ended after the 5 s command timeout with 504 problem details and Retry-After (slowest {(burst.Count == 0 ? 0 : burst.Max(b => b.Ms)):F0} ms). " +
                $"Meanwhile /health/live answered {liveDuringLock.Count(s => s == HttpStatusCode.OK)} of {liveDuringLock.Count} probes and redirects from the cache, stats and click series from the replica failed 0 times. " +
                "The click flush writes another table and was not held up; no click was lost.",
                DateTimeOffset.UtcNow));
        }

        Assert.All(load.Failures, f => Assert.True(f.Operation == "create" && f.Status is 503 or 504 && f.IsProblem, $"{f.Operation} got {f.Status} ({f.Error}, {f.Phase})"));
        Assert.All(burst, b => Assert.True(b.Status == 201 || (b.Status is 503 or 504 && b.Problem && b.RetryAfter), $"a create during the lock got {b.Status} after {b.Ms:F0} ms"));
        Assert.All(liveDuringLock, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.True(loss!.None, loss.Describe());
    }
}
