using MySqlConnector;

namespace Groundwork.LocalServers.Tests;

/// <summary>Small helpers for the tests' own SQL, always as the users the application would use.</summary>
internal static class Sql
{
    public static async Task ExecuteAsync(string connectionString, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<object?> ScalarAsync(string connectionString, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return await command.ExecuteScalarAsync();
    }

    public const string CreateProbeTable =
        "CREATE TABLE IF NOT EXISTS probe (id BIGINT AUTO_INCREMENT PRIMARY KEY, marker VARCHAR(64) NOT NULL, KEY (marker))";

    public static Task InsertMarkerAsync(string connectionString, string marker) =>
        ExecuteAsync(connectionString, "INSERT INTO probe (marker) VALUES (@m)", ("@m", marker));

    public static async Task<long> CountMarkerAsync(string connectionString, string marker) =>
        Convert.ToInt64(await ScalarAsync(connectionString, "SELECT COUNT(*) FROM probe WHERE marker = @m", ("@m", marker)));

    public static string NewMarker() => Guid.NewGuid().ToString("N");
}
