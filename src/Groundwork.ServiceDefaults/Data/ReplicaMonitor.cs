using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Groundwork.ServiceDefaults.Data;

/// <summary>
/// Decides, once per interval and off the request path, whether the replica may serve reads: it must answer, and
/// it must apply what the primary had committed one lag bound ago within that bound. A replica that is down or
/// behind hands its reads to the primary until it is back and caught up.
/// </summary>
public sealed partial class ReplicaMonitor(
    PrimaryDataSource primary,
    ReplicaDataSource replica,
    ReplicaStatus status,
    IOptions<DatabaseOptions> options,
    ILogger<ReplicaMonitor> logger) : BackgroundService
{
    /// <summary>
    /// Checks in a row that could not read the primary's position before a lagging replica is trusted again. One failed
    /// read (a busy primary, a connection cut) must not hand reads to a replica known to be behind: that served stats
    /// lower than the primary had already served (fault suite, replica-lag row). A primary still unreadable after this
    /// many checks is taken for down, and a replica that answers is then the best source of reads.
    /// </summary>
    private const int PrimaryUnreadableChecksBeforeTrustingReplica = 3;

    private int _primaryUnreadableChecks;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!replica.IsConfigured)
        {
            status.Set(ReplicaState.NotConfigured, null);
            return;
        }
        var interval = options.Value.ReplicaCheckInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            var (state, error) = await CheckAsync(replica, stoppingToken);
            Record(state, error);
            try
            {
                await Task.Delay(interval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// A read on the replica failed (it died, or its endpoint moved): reads go to the primary at once, without waiting
    /// for the next check, which brings them back when the replica answers and is caught up.
    /// </summary>
    public void ReportFailedRead(string error) => Record(ReplicaState.Down, error);

    private void Record(ReplicaState state, string? error)
    {
        var before = status.State;
        status.Set(state, error);
        if (state != before)
        {
            LogStateChanged(logger, before, state, error);
        }
    }

    private async Task<(ReplicaState, string?)> CheckAsync(ReplicaDataSource replicaSource, CancellationToken ct)
    {
        var bound = options.Value.ReplicaLagBound;
        string? primaryPosition = null;
        ReplicationDialect? dialect = null;
        try
        {
            await using var p = await primary.OpenConnectionAsync(ct);
            dialect = ReplicationDialect.Of(p);
            await using var cmd = new MySqlCommand(dialect.PrimaryPositionSql, p);
            primaryPosition = await cmd.ExecuteScalarAsync(ct) as string;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Primary down: lag cannot be measured. A replica that answers is then the best source of reads.
        }

        try
        {
            await using var r = await replicaSource.OpenConnectionAsync(ct);
            if (primaryPosition is null || dialect is null)
            {
                await using var ping = new MySqlCommand("SELECT 1", r);
                await ping.ExecuteScalarAsync(ct);
                if (status.State == ReplicaState.Lagging && ++_primaryUnreadableChecks < PrimaryUnreadableChecksBeforeTrustingReplica)
                {
                    return (ReplicaState.Lagging, status.LastError);
                }
                return (ReplicaState.InSync, null);
            }
            _primaryUnreadableChecks = 0;
            if (primaryPosition.Length == 0)
            {
                return (ReplicaState.InSync, null); // nothing ever written
            }
            await using var wait = new MySqlCommand(dialect.WaitSql, r) { CommandTimeout = (int)bound.TotalSeconds + 5 };
            wait.Parameters.AddWithValue("@position", primaryPosition);
            wait.Parameters.AddWithValue("@seconds", bound.TotalSeconds);
            var result = await wait.ExecuteScalarAsync(ct);
            return ReplicationDialect.WaitSucceeded(result)
                ? (ReplicaState.InSync, null)
                : (ReplicaState.Lagging, $"replica has not applied {primaryPosition} within {bound.TotalSeconds:0.#} s");
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return (ReplicaState.Down, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replica {Before} → {After} ({Error})")]
    private static partial void LogStateChanged(ILogger logger, ReplicaState before, ReplicaState after, string? error);
}
