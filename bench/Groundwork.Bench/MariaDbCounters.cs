using Groundwork.LocalServers;
using MySqlConnector;

namespace Groundwork.Bench;

/// <summary>
/// MariaDB's own statement counters (SHOW GLOBAL STATUS): the database's word on how many reads and writes the app
/// sent, independent of the app's metrics. SHOW statements count as Com_show_status, so reading them adds nothing.
/// </summary>
public sealed record StatementCounts(long Select, long Insert, long Update, long Delete, long Replace)
{
    public long Writes => Insert + Update + Delete + Replace;

    public static StatementCounts operator -(StatementCounts a, StatementCounts b) =>
        new(a.Select - b.Select, a.Insert - b.Insert, a.Update - b.Update, a.Delete - b.Delete, a.Replace - b.Replace);

    public static async Task<StatementCounts> ReadAsync(string connectionString)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(
            "SHOW GLOBAL STATUS WHERE Variable_name IN ('Com_select','Com_insert','Com_update','Com_delete','Com_replace','Com_insert_select','Com_replace_select')",
            connection);
        var values = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                values[reader.GetString(0)] = long.Parse(reader.GetString(1), System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        long V(string name) => values.GetValueOrDefault(name);
        return new StatementCounts(V("Com_select"), V("Com_insert") + V("Com_insert_select"), V("Com_update"), V("Com_delete"), V("Com_replace") + V("Com_replace_select"));
    }

    /// <summary>Statements clients sent (MariaDB's Questions: each statement of a multi-statement batch counts).</summary>
    public static async Task<long> QuestionsAsync(string connectionString)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SHOW GLOBAL STATUS LIKE 'Questions'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? long.Parse(reader.GetString(1), System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    public static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>Both servers' counters at one moment, and the time it was taken.</summary>
public sealed record DataTierSnapshot(StatementCounts Primary, StatementCounts Replica, long Ticks)
{
    public static async Task<DataTierSnapshot> TakeAsync(StackManifest stack) =>
        new(await StatementCounts.ReadAsync(stack.PrimaryConnectionString), await StatementCounts.ReadAsync(stack.ReplicaConnectionString),
            System.Diagnostics.Stopwatch.GetTimestamp());

    public (StatementCounts Primary, StatementCounts Replica, TimeSpan Elapsed) Since(DataTierSnapshot before) =>
        (Primary - before.Primary, Replica - before.Replica, System.Diagnostics.Stopwatch.GetElapsedTime(before.Ticks, Ticks));
}

/// <summary>
/// Statements the stack runs with no traffic at all (each instance's replica monitor, health probes), per second
/// on each server; measured idle and subtracted from every load window.
/// </summary>
public sealed record BackgroundRate(double PrimarySelectsPerSecond, double ReplicaSelectsPerSecond, double PrimaryWritesPerSecond)
{
    public static async Task<BackgroundRate> MeasureAsync(StackManifest stack, TimeSpan window)
    {
        var before = await DataTierSnapshot.TakeAsync(stack);
        await Task.Delay(window);
        var (primary, replica, elapsed) = (await DataTierSnapshot.TakeAsync(stack)).Since(before);
        return new(primary.Select / elapsed.TotalSeconds, replica.Select / elapsed.TotalSeconds, primary.Writes / elapsed.TotalSeconds);
    }
}
