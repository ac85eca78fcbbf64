using Groundwork.Faults.Tests.Infrastructure;
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
            ReliabilityReport.Record(new ScenarioResult(1,
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
}
