using Groundwork.ServiceDefaults.Data;
using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;

namespace Groundwork.Api.Tests;

[Collection(ApiTierCollection.Name)]
public sealed class MigrationTests(ApiTierFixture tier)
{
    [Fact]
    public async Task Migrations_run_once_when_two_instances_start_at_the_same_moment()
    {
        // A fresh schema the app user may use, so both migrators find nothing applied yet.
        var schema = "mig_" + Guid.NewGuid().ToString("N")[..8];
        await using (var root = await tier.Tier.Layout.Primary.OpenRootConnectionAsync(default))
        {
            await using var create = new MySqlCommand($"CREATE DATABASE `{schema}`; GRANT ALL ON `{schema}`.* TO 'groundwork'@'%'", root);
            await create.ExecuteNonQueryAsync();
        }
        var csb = new MySqlConnectionStringBuilder(tier.Tier.Setup.PrimaryConnectionString) { Database = schema };
        DatabaseMigrator Migrator() => new(new PrimaryDataSource(new MySqlDataSourceBuilder(csb.ConnectionString).Build()), NullLogger<DatabaseMigrator>.Instance);

        using var start = new Barrier(2);
        var runs = await Task.WhenAll(
            Task.Run(() => { start.SignalAndWait(); return Migrator().MigrateAsync(typeof(Program).Assembly, "Groundwork.Api.Migrations", default); }),
            Task.Run(() => { start.SignalAndWait(); return Migrator().MigrateAsync(typeof(Program).Assembly, "Groundwork.Api.Migrations", default); }));

        Assert.Equal(1, runs.Sum()); // one migration script, applied by exactly one of the two
        await using var check = new MySqlConnection(csb.ConnectionString);
        await check.OpenAsync();
        await using var count = new MySqlCommand("SELECT COUNT(*) FROM schema_changelog WHERE type = 0", check);
        Assert.Equal(1L, Convert.ToInt64(await count.ExecuteScalarAsync()));
    }
}
