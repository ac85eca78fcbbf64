using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using MySqlConnector;

namespace Groundwork.ServiceDefaults.Data;

/// <summary>
/// The read-only database user that analytics (Metabase) uses on the replica. Created on the primary by the migrate
/// step, so it replicates like any other change: <c>Analytics:ReadOnlyUser</c> and <c>Analytics:ReadOnlyPassword</c>
/// (in AWS from the <c>db/analytics-readonly</c> secret, read by the migrate step only; the running app never sees
/// it). Run again with a new password, it sets that password (a rotated secret takes effect on the next deploy).
/// </summary>
public sealed partial class AnalyticsReadOnlyUser(PrimaryDataSource primary, IConfiguration configuration)
{
    /// <summary>Creates or updates the user when configured; returns what it did, one line, for the deploy log.</summary>
    public async Task<string> EnsureAsync(CancellationToken ct)
    {
        var user = configuration["Analytics:ReadOnlyUser"];
        var password = configuration["Analytics:ReadOnlyPassword"];
        if (string.IsNullOrEmpty(user) && string.IsNullOrEmpty(password))
        {
            return "analytics read-only user: not configured (Analytics:ReadOnlyUser), skipped";
        }
        if (string.IsNullOrEmpty(user) || !UserName().IsMatch(user))
        {
            throw new InvalidOperationException("Analytics:ReadOnlyUser must be 1-32 letters, digits or underscores.");
        }
        if (string.IsNullOrEmpty(password))
        {
            throw new InvalidOperationException("Analytics:ReadOnlyPassword is required with Analytics:ReadOnlyUser.");
        }

        await using var connection = await primary.DataSource.OpenConnectionAsync(ct);
        var database = connection.Database;
        if (!SchemaName().IsMatch(database))
        {
            throw new InvalidOperationException($"the primary's database name '{database}' cannot be granted to safely.");
        }
        // The name is checked above (identifiers cannot be parameters); the password is a parameter, which MySqlConnector
        // sends as an escaped string literal, so any character in it is safe.
        foreach (var sql in new[]
        {
            $"CREATE USER IF NOT EXISTS '{user}'@'%' IDENTIFIED BY @password",
            $"ALTER USER '{user}'@'%' IDENTIFIED BY @password",
            $"GRANT SELECT ON `{database}`.* TO '{user}'@'%'",
        })
        {
            await using var command = new MySqlCommand(sql, connection);
            command.Parameters.AddWithValue("@password", password);
            await command.ExecuteNonQueryAsync(ct);
        }
        return $"analytics read-only user: {user} can SELECT on {database}";
    }

    [GeneratedRegex("^[A-Za-z0-9_]{1,32}$")]
    private static partial Regex UserName();

    [GeneratedRegex("^[A-Za-z0-9_]{1,64}$")]
    private static partial Regex SchemaName();
}
