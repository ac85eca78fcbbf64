using System.Diagnostics.Metrics;
using Groundwork.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Options;

namespace Groundwork.Api.Clicks;

/// <summary>One row of the analytics table: clicks of one link in one UTC minute.</summary>
public readonly record struct ClickBucket(long LinkId, DateTime Minute);

public sealed class ClickOptions
{
    /// <summary>How often pending clicks are written to the primary.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>
    /// Bound on distinct (link, minute) buckets held in memory, e.g. while the primary is down. When it is reached,
    /// clicks of buckets not yet held are dropped (and counted in groundwork.clicks.dropped); clicks of buckets
    /// already held keep counting, so a long outage loses breadth, not the counts of busy links.
    /// </summary>
    public int MaxPendingKeys { get; set; } = 100_000;
}

/// <summary>
/// Counts redirects in memory, aggregated per link per minute, so the hot path never writes to the database.
/// <see cref="ClickFlusher"/> drains it in batches. A lock around a plain dictionary: the critical section is a
/// few nanoseconds, simpler and cheaper than lock-free structures that must also support an atomic drain.
/// </summary>
public sealed class ClickCounter(IOptions<ClickOptions> options, TimeProvider time)
{
    private static readonly Meter Meter = new(TelemetryExtensions.SourceName);
    private static readonly Counter<long> Counted = Meter.CreateCounter<long>("groundwork.clicks.counted");
    private static readonly Counter<long> Dropped = Meter.CreateCounter<long>("groundwork.clicks.dropped");

    private readonly Lock _gate = new();
    private Dictionary<ClickBucket, long> _pending = [];
    private long _dropped;

    public long DroppedTotal => Interlocked.Read(ref _dropped);

    public int PendingBuckets
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    public void Count(long linkId)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var bucket = new ClickBucket(linkId, new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc));
        if (Add(bucket, 1))
        {
            Counted.Add(1);
        }
    }

    /// <summary>Takes everything pending; the caller writes it or gives it back with <see cref="Restore"/>.</summary>
    public Dictionary<ClickBucket, long> Drain()
    {
        lock (_gate)
        {
            var drained = _pending;
            _pending = new Dictionary<ClickBucket, long>(Math.Min(drained.Count, 1024));
            return drained;
        }
    }

    /// <summary>Gives back a batch that could not be written, to be retried with the next flush.</summary>
    public void Restore(Dictionary<ClickBucket, long> batch)
    {
        foreach (var (bucket, clicks) in batch)
        {
            Add(bucket, clicks);
        }
    }

    private bool Add(ClickBucket bucket, long clicks)
    {
        lock (_gate)
        {
            if (_pending.TryGetValue(bucket, out var existing))
            {
                _pending[bucket] = existing + clicks;
                return true;
            }
            if (_pending.Count < options.Value.MaxPendingKeys)
            {
                _pending[bucket] = clicks;
                return true;
            }
        }
        Interlocked.Add(ref _dropped, clicks);
        Dropped.Add(clicks);
        return false;
    }
}
