using System.Text;
using Groundwork.ServiceDefaults.Data;
using Groundwork.ServiceDefaults.Errors;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Groundwork.Api.Clicks;

/// <summary>
/// Writes pending clicks to the primary every flush interval as one multi-row upsert, and once more after the web
/// server has drained its last requests on shutdown (IHostedLifecycleService.StoppedAsync), so a normal stop or a
/// rolling deploy loses no click. A failed flush (primary down) keeps the batch for the next one.
/// </summary>
public sealed partial class ClickFlusher(
    ClickCounter counter,
    Database database,
    IOptions<ClickOptions> options,
    ILogger<ClickFlusher> logger) : BackgroundService, IHostedLifecycleService
{
    /// <summary>Rows per statement: keeps each statement well under max_allowed_packet.</summary>
    private const int RowsPerStatement = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.FlushInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                // Not the stopping token: a flush cancelled after its statement committed would restore its clicks and
                // count them twice at the final flush (the command timeout still bounds it).
                await FlushAsync(CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Writes everything pending now. Returns the number of clicks written.</summary>
    public async Task<long> FlushAsync(CancellationToken ct)
    {
        var batch = counter.Drain();
        if (batch.Count == 0)
        {
            return 0;
        }
        var total = batch.Values.Sum();
        try
        {
            foreach (var chunk in batch.Chunk(RowsPerStatement))
            {
                await database.WriteAsync((connection, token) => UpsertAsync(connection, chunk, token), ct);
                foreach (var (bucket, _) in chunk)
                {
                    batch.Remove(bucket);
                }
            }
            return total;
        }
        catch (Exception e) when (e is MySqlException or DatabaseUnavailableException or InvalidOperationException or OperationCanceledException or TimeoutException)
        {
            counter.Restore(batch);
            LogFlushFailed(logger, batch.Count, e.Message);
            return -1;
        }
    }

    private static async Task<int> UpsertAsync(MySqlConnection connection, KeyValuePair<ClickBucket, long>[] rows, CancellationToken ct)
    {
        var sql = new StringBuilder("INSERT INTO link_clicks_per_minute (link_id, minute, clicks) VALUES ");
        await using var command = new MySqlCommand { Connection = connection };
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

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>After the server stopped: nothing can be counted any more, so this flush is the last word.</summary>
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3 && counter.PendingBuckets > 0 && !cancellationToken.IsCancellationRequested; attempt++)
        {
            await FlushAsync(cancellationToken);
        }
        if (counter.PendingBuckets > 0)
        {
            LogClicksLostAtShutdown(logger, counter.PendingBuckets);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Click flush failed; {Buckets} buckets kept for the next flush: {Error}")]
    private static partial void LogFlushFailed(ILogger logger, int buckets, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Shutting down with {Buckets} click buckets that could not be written")]
    private static partial void LogClicksLostAtShutdown(ILogger logger, int buckets);
}
