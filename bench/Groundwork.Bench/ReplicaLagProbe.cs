using System.Diagnostics;
using Groundwork.LocalServers;
using MySqlConnector;

namespace Groundwork.Bench;

/// <summary>
/// Replica lag as a client sees it, sampled while a write load runs: take the primary's GTID position, then time how
/// long the replica takes to reach it (MASTER_GTID_WAIT). Zero when it already had it.
/// </summary>
public sealed class ReplicaLagProbe
{
    private readonly List<double> _samplesMs = [];

    public IReadOnlyList<double> SamplesMs => _samplesMs;

    public async Task RunAsync(StackManifest stack, TimeSpan interval, CancellationToken ct)
    {
        await using var primary = new MySqlConnection(stack.PrimaryConnectionString);
        await using var replica = new MySqlConnection(stack.ReplicaConnectionString);
        await primary.OpenAsync(ct);
        await replica.OpenAsync(ct);
        while (!ct.IsCancellationRequested)
        {
            await using (var position = new MySqlCommand("SELECT @@gtid_binlog_pos", primary))
            {
                var gtid = (string?)await position.ExecuteScalarAsync(CancellationToken.None) ?? "";
                var clock = Stopwatch.StartNew();
                await using var wait = new MySqlCommand("SELECT MASTER_GTID_WAIT(@p, 10)", replica);
                wait.Parameters.AddWithValue("@p", gtid);
                await wait.ExecuteScalarAsync(CancellationToken.None);
                _samplesMs.Add(clock.Elapsed.TotalMilliseconds);
            }
            try
            {
                await Task.Delay(interval, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
