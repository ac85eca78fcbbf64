using System.Globalization;
using Dapper;
using Groundwork.ServiceDefaults.Data;

namespace Groundwork.Api.Clicks;

public enum ClickBucketSize { Minute, Hour, Day }

public sealed record ClickPoint(DateTime At, long Clicks);

public sealed record ClickSeriesResponse(string Slug, string Bucket, DateTime From, DateTime To, long Total, IReadOnlyList<ClickPoint> Points);

/// <summary>A query of the analytics table, validated before it reaches the replica.</summary>
public sealed record ClickSeriesQuery(DateTime From, DateTime To, ClickBucketSize Bucket)
{
    /// <summary>The most buckets one response may hold (keeps every query cheap).</summary>
    public const int MaxBuckets = 5000;

    public static (ClickSeriesQuery? Query, string? Error) Parse(string? from, string? to, string? bucket, DateTime nowUtc)
    {
        var size = ClickBucketSize.Minute;
        if (!string.IsNullOrEmpty(bucket) && !Enum.TryParse(bucket, ignoreCase: true, out size) || !Enum.IsDefined(size))
        {
            return (null, "'bucket' must be one of minute, hour, day.");
        }
        if (!TryParseInstant(to, nowUtc, out var toUtc))
        {
            return (null, "'to' must be an ISO 8601 date or date-time (e.g. 2026-01-31T12:00:00Z).");
        }
        var defaultFrom = toUtc - (size switch { ClickBucketSize.Minute => TimeSpan.FromHours(1), ClickBucketSize.Hour => TimeSpan.FromDays(1), _ => TimeSpan.FromDays(30) });
        if (!TryParseInstant(from, defaultFrom, out var fromUtc))
        {
            return (null, "'from' must be an ISO 8601 date or date-time (e.g. 2026-01-01T00:00:00Z).");
        }
        if (fromUtc >= toUtc)
        {
            return (null, "'from' must be before 'to'.");
        }
        var width = Width(size);
        if ((toUtc - fromUtc).Ticks / width.Ticks > MaxBuckets)
        {
            return (null, $"The range holds more than {MaxBuckets} {size.ToString().ToLowerInvariant()} buckets; use a larger bucket or a shorter range.");
        }
        return (new ClickSeriesQuery(fromUtc, toUtc, size), null);
    }

    public static TimeSpan Width(ClickBucketSize size) => size switch
    {
        ClickBucketSize.Minute => TimeSpan.FromMinutes(1),
        ClickBucketSize.Hour => TimeSpan.FromHours(1),
        _ => TimeSpan.FromDays(1),
    };

    private static bool TryParseInstant(string? value, DateTime fallback, out DateTime utc)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            utc = fallback;
            return true;
        }
        if (value.Length <= 40 && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
            && parsed.Year is >= 2000 and <= 9000)
        {
            utc = parsed.UtcDateTime;
            return true;
        }
        utc = default;
        return false;
    }
}

/// <summary>Reads click series from the replica.</summary>
public sealed class ClickSeriesReader(Database database)
{
    public async Task<IReadOnlyList<ClickPoint>> ReadAsync(long linkId, ClickSeriesQuery query, CancellationToken ct)
    {
        var format = query.Bucket switch
        {
            ClickBucketSize.Minute => "%Y-%m-%d %H:%i:00",
            ClickBucketSize.Hour => "%Y-%m-%d %H:00:00",
            _ => "%Y-%m-%d 00:00:00",
        };
        var rows = await database.ReadAsync((connection, token) => connection.QueryAsync<(string At, long Clicks)>(new CommandDefinition(
            """
            SELECT DATE_FORMAT(minute, @format) AS At, CAST(SUM(clicks) AS SIGNED) AS Clicks
            FROM link_clicks_per_minute
            WHERE link_id = @linkId AND minute >= @from AND minute < @to
            GROUP BY At ORDER BY At
            """, new { format, linkId, from = query.From, to = query.To }, cancellationToken: token)), ct);
        return rows.Select(r => new ClickPoint(DateTime.SpecifyKind(DateTime.ParseExact(r.At, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), DateTimeKind.Utc), r.Clicks)).ToList();
    }
}
