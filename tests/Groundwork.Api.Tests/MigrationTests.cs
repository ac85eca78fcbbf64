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

/// <summary>The analytics user the migrate step creates on the primary, as RDS's master user would (architecture row 12).</summary>
[Collection(ApiTierCollection.Name)]
public sealed class AnalyticsReadOnlyUserTests(ApiTierFixture tier)
{
    private static readonly TimeSpan CatchUp = TimeSpan.FromSeconds(30);

    /// <summary>A user with the RDS master user's relevant rights: CREATE USER, and the app schema with GRANT OPTION.</summary>
    private async Task<string> MasterLikeConnectionStringAsync()
    {
        var name = "master_" + Guid.NewGuid().ToString("N")[..8];
        await using (var root = await tier.Tier.Layout.Primary.OpenRootConnectionAsync(default))
        {
            await using var create = new MySqlCommand(
                $"CREATE USER '{name}'@'%' IDENTIFIED BY 'master-pw'; GRANT CREATE USER ON *.* TO '{name}'@'%'; GRANT ALL ON `groundwork`.* TO '{name}'@'%' WITH GRANT OPTION", root);
            await create.ExecuteNonQueryAsync();
        }
        return new MySqlConnectionStringBuilder(tier.Tier.Setup.PrimaryConnectionString) { UserID = name, Password = "master-pw" }.ConnectionString;
    }

    private static AnalyticsReadOnlyUser Analytics(string primary, Dictionary<string, string?> settings) =>
        new(new PrimaryDataSource(new MySqlDataSourceBuilder(primary).Build()), new ConfigurationBuilder().AddInMemoryCollection(settings).Build());

    private string ReplicaAs(string user, string password) =>
        new MySqlConnectionStringBuilder(tier.Tier.Setup.ReplicaConnectionString) { UserID = user, Password = password, Pooling = false }.ConnectionString;

    private static async Task<long> CountLinksAsync(string connectionString)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var count = new MySqlCommand("SELECT COUNT(*) FROM links", connection);
        return Convert.ToInt64(await count.ExecuteScalarAsync());
    }

    private static async Task<bool> CanConnectAsync(string connectionString)
    {
        try
        {
            await CountLinksAsync(connectionString);
            return true;
        }
        catch (MySqlException)
        {
            return false;
        }
    }

    [Fact]
    public async Task The_migrate_step_creates_a_select_only_user_that_reads_the_replica_and_follows_a_rotated_password()
    {
        var primary = await MasterLikeConnectionStringAsync();
        var user = "ana_" + Guid.NewGuid().ToString("N")[..8];
        const string password = "first 'pass\" word;--";

        var said = await Analytics(primary, new() { ["Analytics:ReadOnlyUser"] = user, ["Analytics:ReadOnlyPassword"] = password }).EnsureAsync(default);
        Assert.Equal($"analytics read-only user: {user} can SELECT on groundwork", said);

        // Created on the primary, it replicates: the analytics user reads the replica...
        Assert.True(await Http.EventuallyAsync(() => CanConnectAsync(ReplicaAs(user, password)), ok => ok, CatchUp), "the analytics user never reached the replica");
        // ...and cannot write, not even on the primary.
        await using (var connection = new MySqlConnection(new MySqlConnectionStringBuilder(tier.Tier.Setup.PrimaryConnectionString) { UserID = user, Password = password }.ConnectionString))
        {
            await connection.OpenAsync();
            await using var insert = new MySqlCommand("INSERT INTO links (slug, url, created_at) VALUES ('analytics-write', 'https://example.com', UTC_TIMESTAMP())", connection);
            var denied = await Assert.ThrowsAsync<MySqlException>(() => insert.ExecuteNonQueryAsync());
            Assert.Contains("denied", denied.Message, StringComparison.OrdinalIgnoreCase);
        }

        // A rotated secret takes effect on the next migrate step: the new password works, the old one stops.
        await Analytics(primary, new() { ["Analytics:ReadOnlyUser"] = user, ["Analytics:ReadOnlyPassword"] = "second-password" }).EnsureAsync(default);
        Assert.True(await Http.EventuallyAsync(() => CanConnectAsync(ReplicaAs(user, "second-password")), ok => ok, CatchUp));
        Assert.False(await CanConnectAsync(ReplicaAs(user, password)));
    }

    [Fact]
    public async Task Without_settings_nothing_is_created_and_bad_settings_are_refused_before_any_sql()
    {
        var primary = tier.Tier.Setup.PrimaryConnectionString; // the app user cannot create users: nothing may be attempted
        Assert.Contains("skipped", await Analytics(primary, []).EnsureAsync(default), StringComparison.Ordinal);

        foreach (var bad in new[] { "x'@'%' IDENTIFIED BY 'p'; DROP TABLE links; --", "", "name with space", new string('a', 33) })
        {
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
                Analytics(primary, new() { ["Analytics:ReadOnlyUser"] = bad, ["Analytics:ReadOnlyPassword"] = "p" }).EnsureAsync(default));
            Assert.Contains("Analytics:ReadOnlyUser", error.Message, StringComparison.Ordinal);
        }
        var missing = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Analytics(primary, new() { ["Analytics:ReadOnlyUser"] = "ana_nopass" }).EnsureAsync(default));
        Assert.Contains("Analytics:ReadOnlyPassword", missing.Message, StringComparison.Ordinal);
    }
}

/// <summary>`Groundwork.Api migrate` as the deploy tool runs it: a separate process whose failure is one line and exit 1.</summary>
[Collection(ApiTierCollection.Name)]
public sealed class MigrateCommandTests(ApiTierFixture tier)
{
    private static async Task<(int ExitCode, string Output, string Error)> MigrateAsync(Dictionary<string, string> environment)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Groundwork.Api.dll"));
        start.ArgumentList.Add("migrate");
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    [Fact]
    public async Task Migrate_says_what_it_did_and_fails_with_one_line_and_exit_1()
    {
        var ok = await MigrateAsync(new() { ["ConnectionStrings__primary"] = tier.Tier.Setup.PrimaryConnectionString });
        Assert.True(ok.ExitCode == 0, ok.Error);
        Assert.Contains("migrations applied: 0", ok.Output, StringComparison.Ordinal); // the fixture's instances applied them
        Assert.Contains("analytics read-only user: not configured", ok.Output, StringComparison.Ordinal);

        var unreachable = await MigrateAsync(new() { ["ConnectionStrings__primary"] = "Server=127.0.0.1;Port=1;User ID=groundwork;Password=x;Database=groundwork;Connection Timeout=2" });
        Assert.Equal(1, unreachable.ExitCode);
        Assert.StartsWith("migrate failed: ", unreachable.Error.Trim(), StringComparison.Ordinal);
        Assert.Single(unreachable.Error.Trim().Split('\n'));

        var badUser = await MigrateAsync(new()
        {
            ["ConnectionStrings__primary"] = tier.Tier.Setup.PrimaryConnectionString,
            ["Analytics__ReadOnlyUser"] = "bad user",
            ["Analytics__ReadOnlyPassword"] = "p",
        });
        Assert.Equal(1, badUser.ExitCode);
        Assert.Equal("migrate failed: Analytics:ReadOnlyUser must be 1-32 letters, digits or underscores.", badUser.Error.Trim());
    }
}
