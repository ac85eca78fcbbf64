using EvolveDb;
using Groundwork.ServiceDefaults.Data;
using MySqlConnector;

namespace Groundwork.Api.Migrations;

/// <summary>
/// The Api's schema: the SQL files beside this class (embedded resources), applied by <see cref="DatabaseMigrator"/>.
/// Three callers, one call: the deploy step (<c>Groundwork.Api migrate</c>), an instance started with
/// <c>Database:MigrateOnStart</c> (local runs), and the tests.
/// </summary>
public static class ApiMigrations
{
    public static Task<int> ApplyAsync(IServiceProvider services, CancellationToken ct) =>
        services.GetRequiredService<DatabaseMigrator>().MigrateAsync(typeof(ApiMigrations).Assembly, typeof(ApiMigrations).Namespace!, ct);

    /// <summary>
    /// <c>Groundwork.Api migrate</c>: the deploy step that applies migrations once, before any new instance serves, and
    /// then creates or updates the app and analytics users from their secrets (it connects as the master user).
    /// A deploy step's failure is one line that says why and a non-zero exit (the deploy tool quotes the last line).
    /// </summary>
    public static async Task<int> RunCommandAsync(IServiceProvider services, TextWriter output, TextWriter error)
    {
        try
        {
            output.WriteLine($"migrations applied: {await ApplyAsync(services, CancellationToken.None)}");
            foreach (var line in await services.GetRequiredService<SecretDatabaseUsers>().EnsureAsync(CancellationToken.None))
            {
                output.WriteLine(line);
            }
            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or MySqlException or EvolveException)
        {
            error.WriteLine($"migrate failed: {e.Message}");
            return 1;
        }
    }
}
