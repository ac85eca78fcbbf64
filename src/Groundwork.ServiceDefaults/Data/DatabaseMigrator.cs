using System.Reflection;
using EvolveDb;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Groundwork.ServiceDefaults.Data;

/// <summary>
/// Applies the service's SQL migrations (embedded resources of its assembly) to the primary with Evolve. Evolve's
/// cluster mode holds a database lock while it migrates, so instances or deploy steps that start at the same moment
/// apply each migration exactly once; the others wait and find nothing left to do.
/// </summary>
public sealed partial class DatabaseMigrator(PrimaryDataSource primary, ILogger<DatabaseMigrator> logger, IOptions<DatabaseOptions>? options = null)
{
    public async Task<int> MigrateAsync(Assembly migrationsAssembly, string resourceNamespace, CancellationToken ct)
    {
        await using var connection = await primary.OpenConnectionAsync(ct);
        var evolve = new Evolve(connection, message => LogEvolve(logger, message))
        {
            EmbeddedResourceAssemblies = [migrationsAssembly],
            EmbeddedResourceFilters = [resourceNamespace],
            EnableClusterMode = true,
            IsEraseDisabled = true,
            MetadataTableName = "schema_changelog",
            CommandTimeout = (int)Math.Clamp((options?.Value ?? new DatabaseOptions()).MigrationCommandTimeout.TotalSeconds, 1, int.MaxValue),
        };
        // Evolve's API is synchronous; keep it off the request threads (this runs before serving anyway).
        await Task.Run(evolve.Migrate, ct);
        return evolve.NbMigration;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Migrations: {Message}")]
    private static partial void LogEvolve(ILogger logger, string message);
}
