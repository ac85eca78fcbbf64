using MySqlConnector;

namespace Groundwork.Faults.Tests.Infrastructure;

/// <summary>
/// Rows the app read from the product tables on one server (MariaDB's TABLE_STATISTICS, switched on with
/// userstat=1 for the test; reset by a restart). The replica monitor and health checks touch no table, so a growing
/// count means requests are served there.
/// </summary>
public static class TableReads
{
    public static async Task EnableAsync(MySqlConnection root)
    {
        await using var command = new MySqlCommand("SET GLOBAL userstat = 1", root);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<long> ReadAsync(MySqlConnection root)
    {
        await using var command = new MySqlCommand(
            "SELECT CAST(COALESCE(SUM(ROWS_READ), 0) AS SIGNED) FROM information_schema.TABLE_STATISTICS WHERE TABLE_SCHEMA = 'groundwork' AND TABLE_NAME IN ('links', 'link_clicks_per_minute')",
            root);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
