using System.Diagnostics;
using MySqlConnector;

namespace Groundwork.Bench;

/// <summary>
/// Scenario 4's baseline: the primary's own ceiling for single-row link inserts, the same row shape the app writes,
/// from the same number of concurrent connections as the HTTP load, with no app in between.
/// </summary>
public static class DirectInserts
{
    public sealed record Result(long Inserts, TimeSpan Elapsed, double P50Ms, double P99Ms)
    {
        public double Rps => Inserts / Elapsed.TotalSeconds;
    }

    public static async Task<Result> RunAsync(string primaryConnectionString, int connections, TimeSpan duration)
    {
        var latencies = new List<double>[connections];
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, connections).Select(async worker =>
        {
            var mine = latencies[worker] = new List<double>(4096);
            await using var connection = new MySqlConnection(primaryConnectionString);
            await connection.OpenAsync();
            await using var insert = new MySqlCommand("INSERT INTO links (slug, url, created_at, disabled) VALUES (@slug, @url, @at, 0)", connection);
            var slug = insert.Parameters.Add("@slug", MySqlDbType.VarChar);
            var url = insert.Parameters.Add("@url", MySqlDbType.VarChar);
            var at = insert.Parameters.Add("@at", MySqlDbType.DateTime);
            var n = 0;
            while (clock.Elapsed < duration)
            {
                n++;
                slug.Value = $"d{worker}x{n}x{Random.Shared.Next():x}";
                url.Value = $"https://example.com/direct/{worker}/{n}";
                at.Value = DateTime.UtcNow;
                var started = Stopwatch.GetTimestamp();
                await insert.ExecuteNonQueryAsync();
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }).ToArray();
        await Task.WhenAll(workers);
        var elapsed = clock.Elapsed;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new Result(all.Length, elapsed, Percentile(all, 0.50), Percentile(all, 0.99));
    }

    private static double Percentile(double[] sorted, double q) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
}
