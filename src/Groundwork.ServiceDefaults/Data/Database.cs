using System.Diagnostics;
using System.Diagnostics.Metrics;
using Groundwork.ServiceDefaults.Errors;
using Groundwork.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Groundwork.ServiceDefaults.Data;

/// <summary>
/// The one door to the database tier. Writes go to the primary and return the position that includes them (the HTTP
/// layer hands it to the writer, whose later reads carry it back: <see cref="IClientPosition"/>); reads go to the replica unless it is down, lagging, or behind the client's own last write, and a read that
/// fails on the replica is served by the primary within the same request.
/// </summary>
public sealed partial class Database(
    PrimaryDataSource primary,
    ReplicaDataSource replica,
    ReplicaStatus replicaStatus,
    ReplicaMonitor replicaMonitor,
    IClientPosition clientPosition,
    IOptions<DatabaseOptions> options,
    ILogger<Database> logger)
{
    private static readonly Meter Meter = new(TelemetryExtensions.SourceName);
    private static readonly Counter<long> Reads = Meter.CreateCounter<long>("groundwork.db.reads", description: "Database reads by the server that served them");
    private static readonly Counter<long> Writes = Meter.CreateCounter<long>("groundwork.db.writes", description: "Database write units of work");

    private long _replicaReads;
    private long _primaryReads;

    /// <summary>
    /// Reads served by each server since start by this instance (also exported as the metric groundwork.db.reads). Kept
    /// beside the metric because the meter is process-wide: a test hosting several apps in one process (the failover
    /// behaviour tests) needs this app's own count to see its reads go back to the replica.
    /// </summary>
    public (long Replica, long Primary) ReadCounts => (Interlocked.Read(ref _replicaReads), Interlocked.Read(ref _primaryReads));

    /// <summary>
    /// Runs a unit of work on the primary, for callers that hand no position to a client (the click flusher): no
    /// statement beyond the work itself. A primary that cannot be reached, refuses writes (a failover under way) or
    /// drops the session is a 503 with Retry-After, fast; the write is never retried here (it may not be idempotent),
    /// but the pool is cleared so the client's retry gets a fresh connection to whichever server is primary then.
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<MySqlConnection, CancellationToken, Task<T>> work, CancellationToken ct)
    {
        await using var connection = await OpenPrimaryForWriteAsync(ct);
        var result = await RunWriteAsync(connection, work, ct);
        Writes.Add(1);
        return result;
    }

    /// <summary>
    /// A unit of work of several statements (a transaction) whose writer reads its own write next: after the commit,
    /// one more statement reads the position that includes it, for the endpoint to hand to the client.
    /// </summary>
    public async Task<Written<T>> WriteWithPositionAsync<T>(Func<MySqlConnection, CancellationToken, Task<T>> work, CancellationToken ct)
    {
        await using var connection = await OpenPrimaryForWriteAsync(ct);
        var result = await RunWriteAsync(connection, work, ct);
        Writes.Add(1);
        return new Written<T>(result, await ReadPositionAsync(connection, ct));
    }

    /// <summary>
    /// One INSERT, its auto-increment id and the replication position that includes it, in one round trip: the INSERT
    /// and <c>SELECT LAST_INSERT_ID(), @@last_gtid</c> go as one multi-statement command (autocommit: the INSERT is its
    /// own transaction, so <c>@@last_gtid</c> is this write's GTID). A failing INSERT (duplicate key) stops the batch
    /// there and surfaces as its <see cref="MySqlException"/>.
    /// </summary>
    public async Task<Written<long>> InsertAsync(string insertSql, Action<MySqlParameterCollection> bind, CancellationToken ct)
    {
        await using var connection = await OpenPrimaryForWriteAsync(ct);
        var written = await RunWriteAsync(connection, async (c, token) =>
        {
            await using var batch = new MySqlCommand(insertSql + ";\n" + ReplicationDialect.Of(c).IdAndPositionAfterInsertSql, c);
            bind(batch.Parameters);
            await using var reader = await batch.ExecuteReaderAsync(token);
            // The INSERT answers with an OK packet, which MySqlConnector folds into RecordsAffected rather than a
            // result set of its own: the reader starts on the SELECT's one row.
            while (reader.FieldCount == 0 && await reader.NextResultAsync(token))
            {
            }
            if (!await reader.ReadAsync(token))
            {
                throw new InvalidOperationException("The INSERT's batch returned no id and position.");
            }
            var position = reader.IsDBNull(1) ? null : reader.GetString(1);
            return new Written<long>(reader.GetInt64(0), ReplicationDialect.LooksLikePosition(position) ? position : null);
        }, ct);
        Writes.Add(1);
        return written;
    }

    private async Task<T> RunWriteAsync<T>(MySqlConnection connection, Func<MySqlConnection, CancellationToken, Task<T>> work, CancellationToken ct)
    {
        try
        {
            return await work(connection, ct);
        }
        catch (Exception e) when (ConnectionLoss.IsConnectionLost(e) && !ct.IsCancellationRequested)
        {
            await ForgetPoolAsync(connection, "primary", e);
            throw new DatabaseUnavailableException(ConnectionLoss.IsReadOnly(e)
                ? "The primary database refuses writes: a failover is under way. Nothing was written; retry shortly."
                : "The connection to the primary database broke (failover or restart); the write was not acknowledged. Retry shortly.", e);
        }
    }

    /// <summary>Runs a read on the replica when it may serve this client, else on the primary.</summary>
    public Task<T> ReadAsync<T>(Func<MySqlConnection, CancellationToken, Task<T>> query, CancellationToken ct) =>
        ReadCoreAsync(query, static _ => false, ct);

    /// <summary>
    /// A read whose "nothing found" may just mean the replica has not applied a recent insert yet (a link created a
    /// moment ago, possibly on another instance): a miss on the replica is confirmed on the primary.
    /// </summary>
    public Task<T?> ReadOrPrimaryIfMissingAsync<T>(Func<MySqlConnection, CancellationToken, Task<T?>> query, CancellationToken ct) =>
        ReadCoreAsync(query, static result => result is null, ct);

    /// <summary>Runs a read on the primary (read-modify-write, or data that must be current).</summary>
    public Task<T> ReadPrimaryAsync<T>(Func<MySqlConnection, CancellationToken, Task<T>> query, CancellationToken ct) =>
        ReadOnPrimaryAsync(query, ct);

    /// <summary>
    /// A read on the primary survives one broken connection (a pooled one cut by a failover, or a session the old
    /// primary ended): the pool is cleared and the read runs once more on a fresh connection, which the endpoint sends
    /// to the server that is primary now. Reads are idempotent; a second failure is the caller's 503.
    /// </summary>
    private async Task<T> ReadOnPrimaryAsync<T>(Func<MySqlConnection, CancellationToken, Task<T>> query, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var connection = await OpenPrimaryForReadAsync(ct);
            try
            {
                Count(ReadTarget.Primary);
                return await query(connection, ct);
            }
            catch (Exception e) when (ConnectionLoss.IsConnectionLost(e) && !ct.IsCancellationRequested)
            {
                await ForgetPoolAsync(connection, "primary", e);
                if (attempt > 1)
                {
                    // Twice in a row: the primary is really going (or gone); a 503 with Retry-After, never a raw socket error.
                    throw new DatabaseUnavailableException("No database can serve this read right now. Retry later.", e);
                }
            }
        }
    }

    /// <summary>
    /// Asks MySqlConnector to drop the pool's idle connections to a server that went away. Belt and braces: what
    /// keeps requests whole, measured (Groundwork.LocalServers.Tests FailoverTests), is that MySqlConnector resets a
    /// pooled session when it hands it out and replaces it when that fails, plus the one retry of a primary read here. (Reading MySqlConnector 2.6, ClearPoolAsync finds pools by connection string
    /// among the global ones, which a MySqlDataSource's own pool is not; then this call does nothing.)
    /// </summary>
    private async Task ForgetPoolAsync(MySqlConnection connection, string server, Exception cause)
    {
        LogConnectionLost(logger, server, cause.Message);
        try
        {
            await MySqlConnection.ClearPoolAsync(connection);
        }
        catch (Exception e) when (e is MySqlException or InvalidOperationException or IOException)
        {
            // Clearing is best effort: a later open finds a dead pooled connection by its reset, and we retry.
        }
    }

    private async Task<T> ReadCoreAsync<T>(Func<MySqlConnection, CancellationToken, Task<T>> query, Func<T, bool> confirmOnPrimary, CancellationToken ct)
    {
        if (replica.IsConfigured && replicaStatus.ServesReads)
        {
            try
            {
                await using var connection = await replica.OpenConnectionAsync(ct);
                try
                {
                    if (await HasClientsPositionAsync(connection, ct))
                    {
                        Count(ReadTarget.Replica);
                        var result = await query(connection, ct);
                        if (!confirmOnPrimary(result))
                        {
                            return result;
                        }
                    }
                }
                catch (Exception e) when (ConnectionLoss.IsConnectionLost(e) && !ct.IsCancellationRequested)
                {
                    // The replica endpoint moved (or the replica died): its pooled connections are gone too.
                    await ForgetPoolAsync(connection, "replica", e);
                    throw;
                }
            }
            // A socket cut by a failover may surface raw (SocketException), not wrapped in a MySqlException.
            catch (Exception e) when ((e is MySqlException or MySqlProtocolException or InvalidOperationException or IOException or TimeoutException
                                       || ConnectionLoss.IsConnectionLost(e)) && !ct.IsCancellationRequested)
            {
                LogReplicaReadFailed(logger, e.Message);
                replicaMonitor.ReportFailedRead(e.Message);
            }
        }
        return await ReadOnPrimaryAsync(query, ct);
    }

    /// <summary>True when the replica already applied the client's last write (or the client wrote nothing lately).</summary>
    private async Task<bool> HasClientsPositionAsync(MySqlConnection connection, CancellationToken ct)
    {
        if (clientPosition.RequiredPosition is not { } position)
        {
            return true;
        }
        var dialect = ReplicationDialect.Of(connection);
        await using var wait = new MySqlCommand(dialect.WaitSql, connection);
        wait.Parameters.AddWithValue("@position", position);
        wait.Parameters.AddWithValue("@seconds", options.Value.ReadYourWritesWait.TotalSeconds);
        try
        {
            return ReplicationDialect.WaitSucceeded(await wait.ExecuteScalarAsync(ct));
        }
        catch (MySqlException)
        {
            return false; // a position from another cluster or a malformed one: the primary answers instead
        }
    }

    private async Task<string?> ReadPositionAsync(MySqlConnection connection, CancellationToken ct)
    {
        try
        {
            await using var cmd = new MySqlCommand(ReplicationDialect.Of(connection).PositionAfterOwnWriteSql, connection);
            var position = await cmd.ExecuteScalarAsync(ct) as string;
            return ReplicationDialect.LooksLikePosition(position) ? position : null;
        }
        catch (Exception e) when (e is MySqlException or OperationCanceledException || ConnectionLoss.IsConnectionLost(e))
        {
            // Never an exception after the commit: the caller would take the write for failed.
            // The write committed; only the read-your-writes hint is lost (replica-miss fallback still applies).
            LogPositionUnavailable(logger, e.Message);
            return null;
        }
    }

    /// <summary>
    /// A primary connection for a write. No ping of its own: taking a pooled connection resets its session
    /// (MySqlConnector's default <c>Connection Reset=true</c>: COM_RESET_CONNECTION pipelined with SET NAMES, one round
    /// trip), and a connection cut while idle (failover, restart) fails that reset, so the pool drops it and opens a
    /// fresh one through the endpoint, i.e. to the server that is primary now. A separate ping was a second round trip
    /// proving the same thing (measured: issue 19, docs/performance.md).
    /// </summary>
    private async Task<MySqlConnection> OpenPrimaryForWriteAsync(CancellationToken ct)
    {
        try
        {
            return await primary.OpenConnectionAsync(ct);
        }
        catch (Exception e) when (e is MySqlException || ConnectionLoss.IsConnectionLost(e))
        {
            throw new DatabaseUnavailableException("The primary database is not reachable; nothing was written. Retry later.", e);
        }
    }

    private async Task<MySqlConnection> OpenPrimaryForReadAsync(CancellationToken ct)
    {
        try
        {
            return await primary.OpenConnectionAsync(ct);
        }
        catch (Exception e) when (e is MySqlException || ConnectionLoss.IsConnectionLost(e))
        {
            throw new DatabaseUnavailableException("No database can serve this read right now. Retry later.", e);
        }
    }

    private void Count(ReadTarget target)
    {
        if (target == ReadTarget.Replica)
        {
            Interlocked.Increment(ref _replicaReads);
        }
        else
        {
            Interlocked.Increment(ref _primaryReads);
        }
        Reads.Add(1, new KeyValuePair<string, object?>("server", target == ReadTarget.Replica ? "replica" : "primary"));
        Activity.Current?.SetTag("db.served_by", target == ReadTarget.Replica ? "replica" : "primary");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Read on the replica failed, served by the primary: {Error}")]
    private static partial void LogReplicaReadFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connection to the {Server} lost ({Error}): its pool was cleared")]
    private static partial void LogConnectionLost(ILogger logger, string server, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Write committed but its replication position could not be read: {Error}")]
    private static partial void LogPositionUnavailable(ILogger logger, string error);
}
