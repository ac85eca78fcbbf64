using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Groundwork.Faults.Tests.Infrastructure;
using Groundwork.LocalServers;
using Groundwork.Testing;
using MySqlConnector;
using Xunit.Abstractions;

namespace Groundwork.Faults.Tests;

/// <summary>
/// Promise 12: what AWS does to every production database now and then, an RDS Multi-AZ failover, under load. The
/// failover is the deploy tool's own (<see cref="DataTierFailover"/>, what `failover --env local` runs); afterwards
/// it runs once more (failback, outside the measurement) so the other scenarios of the collection find the roles
/// they started with.
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed class FailoverTests(FaultStack stack, ITestOutputHelper output)
{
    private static readonly TimeSpan WriteOutageGoal = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ReplicaBackWithin = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Primary_failover_under_load_fails_no_read_loses_no_acknowledged_write_and_the_replica_serves_again()
    {
        var seeds = await stack.SeedAsync("s12", 8);
        var layout = stack.Layout;
        var primaryBefore = layout.Primary;
        // Rows read by the application's user, per server: replication and the monitors read no table as that user.
        foreach (var id in new[] { 1, 2 })
        {
            await using var root = await layout.Server(id).OpenRootConnectionAsync(CancellationToken.None);
            await ExecuteAsync(root, "SET GLOBAL userstat = 1");
        }

        await using var load = new LoadStream(stack.EdgeUrl, "s12", seeds, workers: 4) { Mix = (50, 25, 15, 10) }.Start();
        var steps = new List<FailoverStep>();
        FailoverResult? result = null;
        DataLoss? loss = null;
        var writesAfter = new List<HttpStatusCode>();
        TimeSpan? replicaServedAfter = null;
        long appRowsOnNewReplica = 0;
        var lagAfter = TimeSpan.Zero;
        string replicaThreads = "";
        var failedOver = false;
        try
        {
            await load.RunForAtLeastAsync(150, TimeSpan.FromSeconds(3));
            load.Phase = "failover";
            result = await new DataTierFailover(layout, steps.Add).RunAsync();
            failedOver = true;
            var afterFailover = Stopwatch.StartNew();
            load.Phase = "after";

            // The replica serves the app's reads again: its threads run and the app's user reads rows there.
            var newReplica = layout.Replica;
            await using (var replicaRoot = await newReplica.OpenRootConnectionAsync(CancellationToken.None))
            {
                var before = await AppRowsReadAsync(replicaRoot);
                while (afterFailover.Elapsed < ReplicaBackWithin)
                {
                    var status = await ReplicaThreadStatus.ReadAsync(replicaRoot, CancellationToken.None);
                    replicaThreads = $"Slave_IO_Running {status?.IoRunning}, Slave_SQL_Running {status?.SqlRunning}";
                    appRowsOnNewReplica = await AppRowsReadAsync(replicaRoot) - before;
                    if (status is { IoThreadRunning: true, SqlThreadRunning: true } && appRowsOnNewReplica > 0)
                    {
                        replicaServedAfter = afterFailover.Elapsed;
                        break;
                    }
                    await Task.Delay(100);
                }
            }

            using (var client = stack.CreateEdgeClient())
            {
                for (var i = 0; i < 10; i++)
                {
                    using var response = await client.PostAsJsonAsync("/api/links", new { url = "https://example.com/s12/after", slug = $"s12-after-{i}-{Guid.NewGuid().ToString("N")[..6]}" });
                    writesAfter.Add(response.StatusCode);
                }
            }
            await load.RunForAtLeastAsync(200, TimeSpan.FromSeconds(4));
            var lagClock = Stopwatch.StartNew();
            await stack.Setup.WaitForReplicaCaughtUpAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
            lagAfter = lagClock.Elapsed;
            await load.StopAsync();
            loss = await DataLoss.MeasureAsync(stack, load, TimeSpan.FromSeconds(30));
        }
        finally
        {
            await load.StopAsync();
            if (failedOver)
            {
                // Fail back (not measured) so the rest of the collection has its roles; this is also the command's second run.
                var back = await new DataTierFailover(layout).RunAsync();
                output.WriteLine($"failback: {back.Summary} in {back.Total.TotalSeconds:F2} s");
            }
            foreach (var step in steps)
            {
                output.WriteLine($"{step.Name}: {step.Took.TotalMilliseconds:F0} ms — {step.Detail}");
            }
        }

        var failedCreates = load.Failures.Where(f => f.Operation == "create").ToList();
        var readFailures = load.Failures.Count(f => f.Operation != "create");
        // First to last failed create: from the start of the first to the answer of the last.
        var writeOutage = failedCreates.Count == 0
            ? TimeSpan.Zero
            : failedCreates.Max(f => f.At) - failedCreates.Min(f => f.At - TimeSpan.FromMilliseconds(f.Milliseconds));
        var badWriteFailures = failedCreates.Count(f => !(f.Status == 503 && f.HasRetryAfter && f.IsProblem));
        var kept = readFailures == 0 && badWriteFailures == 0 && writeOutage <= WriteOutageGoal && loss is { None: true }
            && writesAfter.All(s => s == HttpStatusCode.Created) && replicaServedAfter is not null && result is { ReplicaReplicating: true };
        var summary = $"requests {load.Requests}, failures: {load.FailureSummary()}, write outage {writeOutage.TotalSeconds:F2} s " +
                      $"(failover refused writes for {result?.WritesStopped.TotalSeconds:F2} s, total {result?.Total.TotalSeconds:F2} s), " +
                      $"replica serving again after {replicaServedAfter?.TotalSeconds:F2} s ({appRowsOnNewReplica} app rows read; {replicaThreads}), " +
                      $"caught up {lagAfter.TotalMilliseconds:F0} ms after the load; after: {string.Join(",", writesAfter.Select(s => (int)s))}; loss: {loss?.Describe()}";
        output.WriteLine(summary);
        ReliabilityResults.Record(new ReliabilityScenarioResult(12,
            $"Primary failover: 0 failed reads; writes unavailable for a bounded time (goal ≤ {WriteOutageGoal.TotalSeconds:F0} s) with 503 + Retry-After; 0 acknowledged creates lost; the replica serves reads again within {ReplicaBackWithin.TotalSeconds:F0} s",
            $"`failover --env local` under load: the primary (mariadbd {primaryBefore.ServerId}) made read-only and its sessions ended, the replica caught up (MASTER_GTID_WAIT) and promoted, the primary endpoint moved, the old primary rejoined as a GTID replica, the replica endpoint moved",
            load.Requests + writesAfter.Count, load.Failures.Count, load.FailureSummary(), loss?.Short() ?? "not measured",
            kept,
            $"Writes were unavailable for {writeOutage.TotalSeconds:F2} s (first to last failed create; the failover itself refused writes for {result?.WritesStopped.TotalSeconds:F2} s of its {result?.Total.TotalSeconds:F2} s). " +
            $"Reads never failed: a read cut by the move is retried once on a fresh connection, replica reads fall back to the primary. " +
            $"The rejoined replica (mariadbd {result?.NewReplica.ServerId}) served the app's reads again {replicaServedAfter?.TotalSeconds:F1} s after the failover ({replicaThreads}; {appRowsOnNewReplica} rows read there by the app's user) and was caught up {lagAfter.TotalMilliseconds:F0} ms after the load stopped. " +
            $"The first {writesAfter.Count} creations afterwards: {string.Join(", ", writesAfter.GroupBy(s => (int)s).Select(g => $"{g.Count()}× {g.Key}"))}.",
            DateTimeOffset.UtcNow));

        Assert.Equal(0, readFailures);
        Assert.All(failedCreates, f => Assert.True(f.Status == 503 && f.HasRetryAfter && f.IsProblem, $"a failed create got {f.Status} ({f.Error}, {f.Phase})"));
        Assert.True(writeOutage <= WriteOutageGoal, $"writes were unavailable for {writeOutage}");
        Assert.True(loss!.None, loss.Describe());
        Assert.All(writesAfter, s => Assert.Equal(HttpStatusCode.Created, s));
        Assert.NotNull(replicaServedAfter);
        Assert.True(result!.ReplicaReplicating);
        Assert.NotEqual(primaryBefore.ServerId, result.NewPrimary.ServerId);
    }

    private static async Task<long> AppRowsReadAsync(MySqlConnection root)
    {
        await using var command = new MySqlCommand("SELECT CAST(COALESCE(SUM(ROWS_READ), 0) AS SIGNED) FROM information_schema.USER_STATISTICS WHERE USER = @user", root);
        command.Parameters.AddWithValue("@user", DataTierSetup.AppUser);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(MySqlConnection connection, string sql)
    {
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
