using System.Text.RegularExpressions;
using Groundwork.ServiceDefaults.Data.Credentials;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using MySqlConnector;

namespace Groundwork.ServiceDefaults.Data;

/// <summary>
/// The database users whose credentials live in Secrets Manager, created or brought up to date by the migrate step
/// (which connects as the RDS master user; the master user is used for nothing else). Created on the primary, so
/// they replicate like any other change:
/// <list type="bullet">
/// <item><c>Database:AppUserSecretId</c>: the app servers' user — DML on the app schema and nothing else (the replica
/// monitor and read-your-writes use <c>@@gtid_binlog_pos</c>, <c>@@last_gtid</c> and <c>MASTER_GTID_WAIT</c>, which
/// need no privilege).</item>
/// <item><c>Analytics:ReadOnlySecretId</c>: Metabase's user on the replica — SELECT only.</item>
/// </list>
/// The secrets are read with the same client the app uses (<c>Database:Credentials:ServiceUrl</c>/<c>Region</c> apply).
/// Each run sets the password to the secret's AWSCURRENT, and grants exactly the listed privileges (extra ones left
/// by an older setup are revoked).
/// </summary>
public sealed partial class SecretDatabaseUsers(PrimaryDataSource primary, IConfiguration configuration, ILogger<SecretDatabaseUsers> logger)
{
    /// <summary>The app user's privileges on the app schema.</summary>
    public const string AppPrivileges = "SELECT, INSERT, UPDATE, DELETE";
    public const string AnalyticsPrivileges = "SELECT";

    /// <summary>Creates or updates every configured user; one line per user for the deploy log.</summary>
    public async Task<IReadOnlyList<string>> EnsureAsync(CancellationToken ct)
    {
        var wanted = new List<(string Key, string SecretId, string Privileges, string Role)>();
        if (configuration["Database:AppUserSecretId"] is { Length: > 0 } app)
        {
            wanted.Add(("Database:AppUserSecretId", app, AppPrivileges, "app user"));
        }
        if (configuration["Analytics:ReadOnlySecretId"] is { Length: > 0 } analytics)
        {
            wanted.Add(("Analytics:ReadOnlySecretId", analytics, AnalyticsPrivileges, "analytics read-only user"));
        }
        if (wanted.Count == 0)
        {
            return ["database users: none configured (Database:AppUserSecretId, Analytics:ReadOnlySecretId), skipped"];
        }

        // Read every secret before touching the server: a missing one fails the step with nothing half done.
        var credentials = new List<(DatabaseCredential Credential, string Privileges, string Role)>();
        foreach (var (key, secretId, privileges, role) in wanted)
        {
            var options = configuration.GetSection("Database:Credentials").Get<DatabaseCredentialOptions>() ?? new DatabaseCredentialOptions();
            options.SecretId = secretId;
            var credential = await DatabaseCredentialProvider.Create(options, logger).GetAsync(ct);
            if (!UserName().IsMatch(credential.Username))
            {
                throw new InvalidOperationException($"{key}: the secret's username must be 1-32 letters, digits or underscores.");
            }
            credentials.Add((credential, privileges, role));
        }

        await using var connection = await primary.OpenConnectionAsync(ct);
        var database = connection.Database;
        if (!SchemaName().IsMatch(database))
        {
            throw new InvalidOperationException($"the primary's database name '{database}' cannot be granted to safely.");
        }
        var said = new List<string>();
        foreach (var (credential, privileges, role) in credentials)
        {
            await EnsureUserAsync(connection, database, credential, privileges, ct);
            said.Add($"{role}: {credential.Username} can {privileges} on {database} (password from secret version {credential.VersionId})");
        }
        return said;
    }

    private static async Task EnsureUserAsync(MySqlConnection connection, string database, DatabaseCredential credential, string privileges, CancellationToken ct)
    {
        var user = $"'{credential.Username}'@'%'"; // the name is checked above: identifiers cannot be parameters
        await ExecuteAsync(connection, $"CREATE USER IF NOT EXISTS {user} IDENTIFIED BY @password", credential.Password, ct);
        await ExecuteAsync(connection, $"ALTER USER {user} IDENTIFIED BY @password", credential.Password, ct);

        // Exactly these privileges. Revoking first would leave a serving app without rights for a moment: revoke only
        // when something beyond them is granted (an older setup), then grant.
        var expected = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            $"GRANT USAGE ON *.* TO `{credential.Username}`@`%`",
            $"GRANT {privileges} ON `{database}`.* TO `{credential.Username}`@`%`",
        };
        var granted = new List<string>();
        await using (var show = new MySqlCommand($"SHOW GRANTS FOR {user}", connection))
        await using (var reader = await show.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                // SHOW GRANTS prints the password hash on the USAGE line; it is not a privilege.
                granted.Add(IdentifiedBy().Replace(reader.GetString(0), ""));
            }
        }
        if (granted.Any(g => !expected.Contains(g)))
        {
            await ExecuteAsync(connection, $"REVOKE ALL PRIVILEGES, GRANT OPTION FROM {user}", null, ct);
        }
        await ExecuteAsync(connection, $"GRANT {privileges} ON `{database}`.* TO {user}", null, ct);
    }

    private static async Task ExecuteAsync(MySqlConnection connection, string sql, string? password, CancellationToken ct)
    {
        await using var command = new MySqlCommand(sql, connection);
        if (password is not null)
        {
            // A parameter is sent as an escaped string literal: any character in the password is safe.
            command.Parameters.AddWithValue("@password", password);
        }
        await command.ExecuteNonQueryAsync(ct);
    }

    [GeneratedRegex("^[A-Za-z0-9_]{1,32}$")]
    private static partial Regex UserName();

    [GeneratedRegex("^[A-Za-z0-9_]{1,64}$")]
    private static partial Regex SchemaName();

    [GeneratedRegex(" IDENTIFIED BY PASSWORD '[^']*'")]
    private static partial Regex IdentifiedBy();
}
