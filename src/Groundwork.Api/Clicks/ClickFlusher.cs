using System.Text;
using Groundwork.ServiceDefaults.Data;
using Groundwork.ServiceDefaults.Errors;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Groundwork.Api.Clicks;

/// <summary>
/// Writes pending clicks to the primary every flush interval as multi-row upserts, and once more after the web
/// server has drained its last requests on shutdown (IHostedLifecycleService.StoppedAsync), so a normal stop or a
/// rolling deploy loses no click. A failed flush (primary down) keeps its chunks for the next one.
/// Exactly once: each chunk carries an id written to <c>click_flushes</c> in the same transaction as its upsert. A
/// commit whose acknowledgement was lost (a failover, KILL CONNECTION) looks like a failure here; the retry of the same
/// chunk then hits the id's duplicate key and is dropped instead of counted twice.
/// </summary>
public sealed partial class ClickFlusher(
    ClickCounter counter,
    Database database,
    IOptions<ClickOptions> options,
    ILogger<ClickFlusher> logger,
    TimeProvider time) : BackgroundService, IHostedLifecycleService
{
    /// <summary>Rows per statement: keeps each statement well under max_allowed_packet.</summary>
    private const int RowsPerStatement = 1000;

    /// <summary>How long flush ids are kept: far longer than any chunk waits for the primary to come back.</summary>
    private static readonly TimeSpan FlushIdRetention = TimeSpan.FromDays(7);

    private static readonly TimeSpan PruneInterval = TimeSpan.FromHours(1);

    /// <summary>Chunks taken from the counter and not yet acknowledged, oldest first; retried with their own ids.</summary>
    private readonly List<FlushChunk> _unacknowledged = [];
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private DateTimeOffset _nextPrune = DateTimeOffset.MinValue;

    /// <summary>Chunks taken from the counter whose write has not been acknowledged yet (they are retried first).</summary>
    public int UnacknowledgedChunks => _unacknowledged.Count;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.FlushInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                // Not the stopping token: a flush cancelled mid-way is retried anyway, but the final flush after the
                // server stopped should find as little left as possible (the command timeout still bounds it).
                await FlushAsync(CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Writes what is unacknowledged from earlier flushes, then everything pending now. Returns the number of clicks
    /// written, or -1 when the primary could not take them (they are kept for the next flush).
    /// </summary>
    public async Task<long> FlushAsync(CancellationToken ct)
    {
        await _flushing.WaitAsync(ct);
        try
        {
            long written = 0;
            // Two rounds: the chunks an earlier flush could not get acknowledged, then what was counted meanwhile.
            for (var round = 0; round < 2; round++)
            {
                if (_unacknowledged.Count == 0 && !TakePending())
                {
                    break;
                }
                while (_unacknowledged.Count > 0)
                {
                    var chunk = _unacknowledged[0];
                    try
                    {
                        written += await database.WriteAsync((connection, token) => WriteOnceAsync(connection, chunk, token), ct);
                    }
                    catch (Exception e) when (e is MySqlException or DatabaseUnavailableException or InvalidOperationException or OperationCanceledException or TimeoutException)
                    {
                        LogFlushFailed(logger, _unacknowledged.Count, e.Message);
                        return -1;
                    }
                    _unacknowledged.RemoveAt(0);
                }
            }
            await PruneFlushIdsAsync(ct);
            return written;
        }
        finally
        {
            _flushing.Release();
        }
    }

    private bool TakePending()
    {
        var batch = counter.Drain();
        foreach (var rows in batch.Chunk(RowsPerStatement))
        {
            _unacknowledged.Add(new FlushChunk(Guid.NewGuid(), rows));
        }
        return batch.Count > 0;
    }

    /// <summary>Applies a chunk unless its id says an earlier attempt already did. Returns the clicks it added.</summary>
    private async Task<long> WriteOnceAsync(MySqlConnection connection, FlushChunk chunk, CancellationToken ct)
    {
        await using var transaction = await connection.BeginTransactionAsync(ct);
        try
        {
            await using var mark = new MySqlCommand("INSERT INTO click_flushes (id, flushed_at) VALUES (@id, UTC_TIMESTAMP())", connection, transaction);
            mark.Parameters.AddWithValue("@id", chunk.Id.ToByteArray());
            await mark.ExecuteNonQueryAsync(ct);
        }
        catch (MySqlException e) when (e.ErrorCode == MySqlErrorCode.DuplicateKeyEntry)
        {
            await transaction.RollbackAsync(ct);
            LogAlreadyWritten(logger, chunk.Clicks);
            return 0;
        }
        await UpsertAsync(connection, transaction, chunk.Rows, ct);
        await transaction.CommitAsync(ct);
        return chunk.Clicks;
    }

    private static async Task<int> UpsertAsync(MySqlConnection connection, MySqlTransaction transaction, KeyValuePair<ClickBucket, long>[] rows, CancellationToken ct)
    {
        var sql = new StringBuilder("INSERT INTO link_clicks_per_minute (link_id, minute, clicks) VALUES ");
        await using var command = new MySqlCommand { Connection = connection, Transaction = transaction };
        for (var i = 0; i < rows.Length; i++)
        {
            sql.Append(i == 0 ? "" : ",").Append("(@l").Append(i).Append(",@m").Append(i).Append(",@c").Append(i).Append(')');
            command.Parameters.AddWithValue("@l" + i, rows[i].Key.LinkId);
            command.Parameters.AddWithValue("@m" + i, rows[i].Key.Minute);
            command.Parameters.AddWithValue("@c" + i, rows[i].Value);
        }
        sql.Append(" ON DUPLICATE KEY UPDATE clicks = clicks + VALUES(clicks)");
        command.CommandText = sql.ToString();
        return await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>At most hourly, after a flush that got through: forget flush ids no retry can still need.</summary>
    private async Task PruneFlushIdsAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (now < _nextPrune)
        {
            return;
        }
        _nextPrune = now + PruneInterval;
        try
        {
            await database.WriteAsync(async (connection, token) =>
            {
                await using var prune = new MySqlCommand("DELETE FROM click_flushes WHERE flushed_at < @before LIMIT 10000", connection);
                prune.Parameters.AddWithValue("@before", (now - FlushIdRetention).UtcDateTime);
                return await prune.ExecuteNonQueryAsync(token);
            }, ct);
        }
        catch (Exception e) when (e is MySqlException or DatabaseUnavailableException or InvalidOperationException or OperationCanceledException or TimeoutException)
        {
            LogPruneFailed(logger, e.Message);
        }
    }

    /// <summary>A chunk of one flush: the id that makes its write happen once, and its (bucket, clicks) rows.</summary>
    private sealed record FlushChunk(Guid Id, KeyValuePair<ClickBucket, long>[] Rows)
    {
        public long Clicks { get; } = Rows.Sum(row => row.Value);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>After the server stopped: nothing can be counted any more, so this flush is the last word.</summary>
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3 && HasPending && !cancellationToken.IsCancellationRequested; attempt++)
        {
            await FlushAsync(cancellationToken);
        }
        if (HasPending)
        {
            LogClicksLostAtShutdown(logger, counter.PendingBuckets + _unacknowledged.Sum(chunk => chunk.Rows.Length));
        }
    }

    private bool HasPending => counter.PendingBuckets > 0 || _unacknowledged.Count > 0;

    [LoggerMessage(Level = LogLevel.Information, Message = "A click flush retried after a lost acknowledgement had been written already; {Clicks} clicks not counted again")]
    private static partial void LogAlreadyWritten(ILogger logger, long clicks);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pruning old click flush ids failed (retried within the hour): {Error}")]
    private static partial void LogPruneFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Click flush failed; {Chunks} chunks kept for the next flush: {Error}")]
    private static partial void LogFlushFailed(ILogger logger, int chunks, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Shutting down with {Buckets} click buckets that could not be written")]
    private static partial void LogClicksLostAtShutdown(ILogger logger, int buckets);
}
