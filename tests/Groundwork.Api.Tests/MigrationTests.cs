using CliWrap.Buffered;
using Groundwork.ServiceDefaults.Data;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Configuration;
using MySqlConnector;

namespace Groundwork.Api.Tests;

[Collection(ApiTierCollection.Name)]
public sealed class MigrationTests(ApiTierFixture tier)
{
    [Fact]
    public async Task Migrations_run_once_when_two_instances_start_at_the_same_moment()
    {
        // A fresh schema, so both migrators find nothing applied yet.
        var schema = "mig_" + Guid.NewGuid().ToString("N")[..8];
        await using (var root = await tier.Tier.Layout.Primary.OpenRootConnectionAsync(default))
        {
            await using var create = new MySqlCommand($"CREATE DATABASE `{schema}`", root); // the admin user has rights on every schema
            await create.ExecuteNonQueryAsync();
        }
        var csb = new MySqlConnectionStringBuilder(tier.Tier.Setup.PrimaryConnectionString) { Database = schema };
        DatabaseMigrator Migrator() => new(new PrimaryDataSource(new MySqlDataSourceBuilder(csb.ConnectionString).Build()), NullLogger<DatabaseMigrator>.Instance);

        using var start = new Barrier(2);
        var runs = await Task.WhenAll(
            Task.Run(() => { start.SignalAndWait(); return Migrator().MigrateAsync(typeof(Program).Assembly, "Groundwork.Api.Migrations", default); }),
            Task.Run(() => { start.SignalAndWait(); return Migrator().MigrateAsync(typeof(Program).Assembly, "Groundwork.Api.Migrations", default); }));

        // Every migration script applied by exactly one of the two.
        var scripts = typeof(Program).Assembly.GetManifestResourceNames().Count(n => n.StartsWith("Groundwork.Api.Migrations.", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal));
        Assert.True(scripts >= 2, $"{scripts} migration scripts embedded");
        Assert.Equal(scripts, runs.Sum());
        await using var check = new MySqlConnection(csb.ConnectionString);
        await check.OpenAsync();
        await using var count = new MySqlCommand("SELECT COUNT(*) FROM schema_changelog WHERE type = 0", check);
        Assert.Equal(scripts, Convert.ToInt64(await count.ExecuteScalarAsync()));
    }
}

/// <summary>`Groundwork.Api migrate` as the deploy tool runs it: a separate process whose failure is one line and exit 1.</summary>
[Collection(ApiTierCollection.Name)]
public sealed class MigrateCommandTests(ApiTierFixture tier)
{
    private static async Task<(int ExitCode, string Output, string Error)> MigrateAsync(Dictionary<string, string> environment)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var result = await CliWrap.Cli.Wrap("dotnet")
            .WithArguments([Path.Combine(AppContext.BaseDirectory, "Groundwork.Api.dll"), "migrate"])
            .WithWorkingDirectory(AppContext.BaseDirectory)
            .WithEnvironmentVariables(variables =>
            {
                variables.Set("DOTNET_ENVIRONMENT", "Production").Set("Logging__LogLevel__Default", "Warning");
                foreach (var (key, value) in environment)
                {
                    variables.Set(key, value);
                }
            })
            .WithValidation(CliWrap.CommandResultValidation.None)
            .ExecuteBufferedAsync(timeout.Token);
        return (result.ExitCode, result.StandardOutput, result.StandardError);
    }

    [Fact]
    public async Task Migrate_says_what_it_did_and_fails_with_one_line_and_exit_1()
    {
        var ok = await MigrateAsync(new() { ["ConnectionStrings__primary"] = tier.Tier.Setup.PrimaryConnectionString });
        Assert.True(ok.ExitCode == 0, ok.Error);
        Assert.Contains("migrations applied: 0", ok.Output, StringComparison.Ordinal); // the fixture's instances applied them
        Assert.Contains("database users: none configured", ok.Output, StringComparison.Ordinal);

        var unreachable = await MigrateAsync(new() { ["ConnectionStrings__primary"] = "Server=127.0.0.1;Port=1;User ID=groundwork;Password=x;Database=groundwork;Connection Timeout=2" });
        Assert.Equal(1, unreachable.ExitCode);
        Assert.StartsWith("migrate failed: ", unreachable.Error.Trim(), StringComparison.Ordinal);
        Assert.Single(unreachable.Error.Trim().Split('\n'));

        var missingSecret = await MigrateAsync(new()
        {
            ["ConnectionStrings__primary"] = tier.Tier.Setup.PrimaryConnectionString,
            ["Database__AppUserSecretId"] = "groundwork/test/no-such-secret",
            ["Database__Credentials__ServiceUrl"] = tier.Secrets.Url.ToString(),
            ["AWS_ACCESS_KEY_ID"] = "local", ["AWS_SECRET_ACCESS_KEY"] = "local", ["AWS_REGION"] = "local",
        });
        Assert.Equal(1, missingSecret.ExitCode);
        Assert.Equal("migrate failed: database credentials: cannot read secret groundwork/test/no-such-secret (AWSCURRENT): "
            + "ResourceNotFoundException: Secrets Manager can't find the specified secret.", missingSecret.Error.Trim());
    }
}
