using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Groundwork.LocalServers;
using Groundwork.SecretsManager;
using Groundwork.ServiceDefaults.Data;
using Groundwork.ServiceDefaults.Data.Credentials;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;

namespace Groundwork.Api.Tests;

/// <summary>
/// Database credentials read from Secrets Manager when connections open (architecture: credentials design), against
/// the real MariaDB pair and the local Secrets Manager stand-in: users created by the migrate step from their secrets,
/// rotation reaching new connections, the refresh on a refused password, and a broken secret answered plainly.
/// </summary>
[Collection(ApiTierCollection.Name)]
public sealed class SecretCredentialsTests
{
    private static readonly TimeSpan CatchUp = TimeSpan.FromSeconds(30);
    private readonly ApiTierFixture _tier;

    public SecretCredentialsTests(ApiTierFixture tier)
    {
        _tier = tier;
        // What the AppHost gives local instances: dummy credentials the stand-in accepts, and never the EC2 metadata.
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "local");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "local");
        Environment.SetEnvironmentVariable("AWS_REGION", "local");
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
    }

    private SecretsManagerClient Client() =>
        new("local", _tier.Secrets.Url, _ => Task.FromResult(new ImmutableCredentials("local", "local", null)));

    private static string UserJson(string user, string password) => new JsonObject { ["username"] = user, ["password"] = password }.ToJsonString();

    private Dictionary<string, string?> SecretsSettings(Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Database:Credentials:ServiceUrl"] = _tier.Secrets.Url.ToString(),
            ["Database:Credentials:Region"] = "local",
        };
        foreach (var (k, v) in more ?? []) settings[k] = v;
        return settings;
    }

    private SecretDatabaseUsers Users(Dictionary<string, string?> settings) =>
        new(new PrimaryDataSource(new MySqlDataSourceBuilder(_tier.Tier.Setup.PrimaryConnectionString).Build()),
            new ConfigurationBuilder().AddInMemoryCollection(SecretsSettings(settings)).Build(), NullLogger<SecretDatabaseUsers>.Instance);

    /// <summary>A fresh secret with a user in it, and that user created by the migrate step's code.</summary>
    private async Task<(string Secret, string User, string Password)> NewAppUserAsync()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var (secret, user, password) = ($"groundwork/test/app-{id}", $"app_{id}", LocalSecretsManager.NewPassword());
        await Client().CreateSecretAsync(secret, Guid.NewGuid().ToString(), UserJson(user, password));
        await Users(new() { ["Database:AppUserSecretId"] = secret }).EnsureAsync(default);
        await _tier.Tier.Setup.WaitForReplicaCaughtUpAsync(CatchUp, default);
        return (secret, user, password);
    }

    /// <summary>The app's own wiring (AddPrimaryAndReplica) with user and password from the secret.</summary>
    private IHost AppData(string secret, TimeSpan cacheLifetime)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(SecretsSettings(new()
        {
            ["ConnectionStrings:primary"] = _tier.Tier.Setup.AppPrimaryConnectionString,
            ["ConnectionStrings:replica"] = _tier.Tier.Setup.AppReplicaConnectionString,
            ["Database:Credentials:SecretId"] = secret,
            ["Database:Credentials:CacheLifetime"] = cacheLifetime.ToString("c"),
        }));
        builder.AddPrimaryAndReplica();
        return builder.Build();
    }

    private async Task SetPasswordAsAdminAsync(string user, string password)
    {
        await using var admin = new MySqlConnection(_tier.Tier.Setup.PrimaryConnectionString);
        await admin.OpenAsync();
        await using var alter = new MySqlCommand($"ALTER USER '{user}'@'%' IDENTIFIED BY @p", admin);
        alter.Parameters.AddWithValue("@p", password);
        await alter.ExecuteNonQueryAsync();
        await _tier.Tier.Setup.WaitForReplicaCaughtUpAsync(CatchUp, default);
    }

    private static async Task<string> CurrentUserAsync(MySqlConnection connection)
    {
        await using var command = new MySqlCommand("SELECT CURRENT_USER()", connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// Forces the next opens to make new physical connections (and so to authenticate): the server ends the user's
    /// sessions, the pool finds them dead when it resets them. (MySqlConnection.ClearPool cannot reach a data
    /// source's pool.)
    /// </summary>
    private async Task KillSessionsAsync(string user)
    {
        foreach (var server in new[] { _tier.Tier.Layout.Primary, _tier.Tier.Layout.Replica })
        {
            await using var root = await server.OpenRootConnectionAsync(default);
            var ids = new List<long>();
            await using (var list = new MySqlCommand("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = @u", root))
            {
                list.Parameters.AddWithValue("@u", user);
                await using var reader = await list.ExecuteReaderAsync();
                while (await reader.ReadAsync()) ids.Add(reader.GetInt64(0));
            }
            foreach (var id in ids)
            {
                await using var kill = new MySqlCommand($"KILL CONNECTION {id}", root);
                try
                {
                    await kill.ExecuteNonQueryAsync();
                }
                catch (MySqlException)
                {
                    // already gone
                }
            }
        }
    }

    private static async Task<int?> RefusalCodeAsync(string connectionString, string user, string password)
    {
        var csb = new MySqlConnectionStringBuilder(connectionString) { UserID = user, Password = password, Pooling = false };
        try
        {
            await using var connection = new MySqlConnection(csb.ConnectionString);
            await connection.OpenAsync();
            return null;
        }
        catch (MySqlException e)
        {
            return e.Number;
        }
    }

    [Fact]
    public async Task The_migrate_step_creates_the_app_user_with_DML_only_and_it_can_do_what_read_your_writes_needs()
    {
        var (_, user, password) = await NewAppUserAsync();
        await using var primary = new MySqlConnection(new MySqlConnectionStringBuilder(_tier.Tier.Setup.AppPrimaryConnectionString) { UserID = user, Password = password }.ConnectionString);
        await primary.OpenAsync();

        await using (var insert = new MySqlCommand("INSERT INTO links (slug, url, created_at) VALUES (@s, 'https://example.com/app-user', UTC_TIMESTAMP(3))", primary))
        {
            insert.Parameters.AddWithValue("@s", "app-user-" + Guid.NewGuid().ToString("N")[..8]);
            Assert.Equal(1, await insert.ExecuteNonQueryAsync());
        }
        await using (var position = new MySqlCommand("SELECT @@last_gtid, @@gtid_binlog_pos", primary))
        await using (var reader = await position.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.True(ReplicationDialect.LooksLikePosition(reader.GetString(0)));
            Assert.True(ReplicationDialect.LooksLikePosition(reader.GetString(1)));
        }
        // Read-your-writes on the replica, as the app user.
        await using (var replica = new MySqlConnection(new MySqlConnectionStringBuilder(_tier.Tier.Setup.AppReplicaConnectionString) { UserID = user, Password = password }.ConnectionString))
        {
            await replica.OpenAsync();
            await using var wait = new MySqlCommand("SELECT MASTER_GTID_WAIT(@@gtid_binlog_pos, 5)", replica);
            Assert.True(ReplicationDialect.WaitSucceeded(await wait.ExecuteScalarAsync()));
        }
        // Nothing beyond DML: no schema changes, no user management.
        await using var ddl = new MySqlCommand("CREATE TABLE not_allowed (id INT)", primary);
        Assert.Equal(MySqlErrorCode.TableAccessDenied, (await Assert.ThrowsAsync<MySqlException>(() => ddl.ExecuteNonQueryAsync())).ErrorCode);
        await using var grants = new MySqlCommand("SHOW GRANTS", primary);
        var lines = new List<string>();
        await using (var reader = await grants.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) lines.Add(reader.GetString(0));
        }
        Assert.Equal($"GRANT SELECT, INSERT, UPDATE, DELETE ON `groundwork`.* TO `{user}`@`%`", Assert.Single(lines, l => !l.StartsWith("GRANT USAGE", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_migrate_step_brings_an_existing_user_to_the_secret_and_exactly_its_privileges()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var (secret, user) = ($"groundwork/test/analytics-{id}", $"ana_{id}");
        // An older setup: the user exists with another password and too many rights.
        await using (var root = await _tier.Tier.Layout.Primary.OpenRootConnectionAsync(default))
        await using (var create = new MySqlCommand($"CREATE USER '{user}'@'%' IDENTIFIED BY 'old-password'; GRANT ALL ON `groundwork`.* TO '{user}'@'%'", root))
        {
            await create.ExecuteNonQueryAsync();
        }
        const string password = "first 'pass\" word;--";
        await Client().CreateSecretAsync(secret, Guid.NewGuid().ToString(), UserJson(user, password));

        var said = await Users(new() { ["Analytics:ReadOnlySecretId"] = secret }).EnsureAsync(default);
        Assert.StartsWith($"analytics read-only user: {user} can SELECT on groundwork", Assert.Single(said), StringComparison.Ordinal);

        await _tier.Tier.Setup.WaitForReplicaCaughtUpAsync(CatchUp, default);
        Assert.Null(await RefusalCodeAsync(_tier.Tier.Setup.AppReplicaConnectionString, user, password));
        Assert.Equal(1045, await RefusalCodeAsync(_tier.Tier.Setup.AppReplicaConnectionString, user, "old-password"));
        await using var connection = new MySqlConnection(new MySqlConnectionStringBuilder(_tier.Tier.Setup.AppPrimaryConnectionString) { UserID = user, Password = password }.ConnectionString);
        await connection.OpenAsync();
        await using var insert = new MySqlCommand("INSERT INTO links (slug, url, created_at) VALUES ('analytics-write', 'https://example.com', UTC_TIMESTAMP())", connection);
        Assert.Equal(MySqlErrorCode.TableAccessDenied, (await Assert.ThrowsAsync<MySqlException>(() => insert.ExecuteNonQueryAsync())).ErrorCode);
    }

    [Fact]
    public async Task Missing_malformed_or_unsafe_user_secrets_fail_the_migrate_step_before_any_sql_without_quoting_the_value()
    {
        Assert.Contains("skipped", Assert.Single(await Users([]).EnsureAsync(default)), StringComparison.Ordinal);

        var missing = await Assert.ThrowsAsync<DatabaseCredentialsException>(() => Users(new() { ["Database:AppUserSecretId"] = "groundwork/test/missing" }).EnsureAsync(default));
        Assert.Contains("groundwork/test/missing", missing.Message, StringComparison.Ordinal);
        Assert.Contains("ResourceNotFoundException", missing.Message, StringComparison.Ordinal);

        var id = Guid.NewGuid().ToString("N")[..8];
        await Client().CreateSecretAsync($"groundwork/test/malformed-{id}", Guid.NewGuid().ToString(), "hunter2-not-json");
        var malformed = await Assert.ThrowsAsync<DatabaseCredentialsException>(() => Users(new() { ["Database:AppUserSecretId"] = $"groundwork/test/malformed-{id}" }).EnsureAsync(default));
        Assert.DoesNotContain("hunter2", malformed.Message, StringComparison.Ordinal);
        Assert.Contains("username", malformed.Message, StringComparison.Ordinal);

        await Client().CreateSecretAsync($"groundwork/test/unsafe-{id}", Guid.NewGuid().ToString(), UserJson("x'@'%' IDENTIFIED BY 'p'; DROP TABLE links; --", "p"));
        var unsafeName = await Assert.ThrowsAsync<InvalidOperationException>(() => Users(new() { ["Database:AppUserSecretId"] = $"groundwork/test/unsafe-{id}" }).EnsureAsync(default));
        Assert.Contains("Database:AppUserSecretId", unsafeName.Message, StringComparison.Ordinal);
        Assert.Equal(1L, await _tier.OnPrimaryAsync<long>("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'groundwork' AND TABLE_NAME = 'links'"));
    }

    [Fact]
    public async Task A_rotated_secret_reaches_new_connections_on_primary_and_replica_within_the_cache_lifetime()
    {
        var (secret, user, first) = await NewAppUserAsync();
        using var app = AppData(secret, TimeSpan.FromMilliseconds(200));
        var primary = app.Services.GetRequiredService<PrimaryDataSource>();
        var replica = app.Services.GetRequiredService<ReplicaDataSource>();
        await using (var c = await primary.OpenConnectionAsync(default))
        {
            Assert.Equal($"{user}@%", await CurrentUserAsync(c));
        }

        var second = LocalSecretsManager.NewPassword();
        await SetPasswordAsAdminAsync(user, second);
        await Client().PutSecretValueAsync(secret, Guid.NewGuid().ToString(), UserJson(user, second), [DatabaseCredentialProvider.Current]);
        await Task.Delay(300);
        await KillSessionsAsync(user);

        await using (var c = await primary.OpenConnectionAsync(default))
        {
            Assert.Equal($"{user}@%", await CurrentUserAsync(c));
        }
        await using (var c = await replica.OpenConnectionAsync(default))
        {
            Assert.Equal($"{user}@%", await CurrentUserAsync(c));
        }
        Assert.Equal(1045, await RefusalCodeAsync(_tier.Tier.Setup.AppPrimaryConnectionString, user, first));
        var versions = await Client().DescribeVersionsAsync(secret);
        Assert.Contains(versions.Values, stages => stages.Contains("AWSPREVIOUS"));
    }

    [Fact]
    public async Task A_refused_cached_password_is_re_read_once_and_inside_a_rotation_AWSPENDING_is_used()
    {
        var (secret, user, _) = await NewAppUserAsync();
        using var app = AppData(secret, TimeSpan.FromHours(1)); // the cache alone would never notice
        var primary = app.Services.GetRequiredService<PrimaryDataSource>();
        var provider = app.Services.GetRequiredService<DatabaseCredentialProvider>();
        await (await primary.OpenConnectionAsync(default)).DisposeAsync();
        var readsBefore = provider.SecretReads;

        // Rotation's first two steps: the new password is AWSPENDING, and already set on the server.
        var pending = LocalSecretsManager.NewPassword();
        await Client().PutSecretValueAsync(secret, Guid.NewGuid().ToString(), UserJson(user, pending), [DatabaseCredentialProvider.Pending]);
        await SetPasswordAsAdminAsync(user, pending);
        await KillSessionsAsync(user);

        await using (var c = await primary.OpenConnectionAsync(default))
        {
            Assert.Equal($"{user}@%", await CurrentUserAsync(c));
        }
        var used = await provider.GetAsync(default);
        Assert.Equal((DatabaseCredentialProvider.Pending, pending), (used.Stage, used.Password));
        Assert.Equal(2, provider.SecretReads - readsBefore); // AWSCURRENT (the refused one), then AWSPENDING

        // Rotation finished elsewhere and the password changed again: AWSCURRENT is new, one re-read finds it.
        var third = LocalSecretsManager.NewPassword();
        await Client().PutSecretValueAsync(secret, Guid.NewGuid().ToString(), UserJson(user, third), [DatabaseCredentialProvider.Current]);
        await SetPasswordAsAdminAsync(user, third);
        await KillSessionsAsync(user);
        readsBefore = provider.SecretReads;
        await using (var c = await primary.OpenConnectionAsync(default))
        {
            Assert.Equal($"{user}@%", await CurrentUserAsync(c));
        }
        Assert.Equal(1, provider.SecretReads - readsBefore);
    }

    [Fact]
    public async Task A_missing_or_malformed_app_secret_is_a_clear_readiness_error_and_a_503_problem_without_a_stack_trace()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        await Client().CreateSecretAsync($"groundwork/test/broken-{id}", Guid.NewGuid().ToString(), "{\"username\":\"app\"}");
        foreach (var (secret, says) in new[] { ("groundwork/test/missing-" + id, "ResourceNotFoundException"), ($"groundwork/test/broken-{id}", "not JSON with a non-empty") })
        {
            await using var instance = _tier.StartInstance(settings: new Dictionary<string, string>
            {
                ["ConnectionStrings:primary"] = _tier.Tier.Setup.AppPrimaryConnectionString,
                ["ConnectionStrings:replica"] = _tier.Tier.Setup.AppReplicaConnectionString,
                ["Database:Credentials:SecretId"] = secret,
                ["Database:Credentials:ServiceUrl"] = _tier.Secrets.Url.ToString(),
                ["Database:Credentials:Region"] = "local",
            });
            using var client = instance.Client();

            var ready = await client.GetAsync("/health/ready");
            Assert.Equal(503, (int)ready.StatusCode);
            var health = await ready.Content.ReadAsStringAsync();
            Assert.Contains(secret, health, StringComparison.Ordinal);
            Assert.Contains(says, health, StringComparison.Ordinal);

            foreach (var response in new[] { await client.GetAsync("/api/links/some-link"), await client.PostAsync("/api/links", JsonContent("https://example.com/x")) })
            {
                await Http.AssertProblemAsync(response, 503);
                var body = await response.Content.ReadAsStringAsync();
                Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
                Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task The_cache_serves_reads_a_broken_secret_is_not_asked_for_on_every_open_and_a_fixed_one_is_picked_up()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var store = Path.Combine(Path.GetTempPath(), "gw-own-secrets-" + Guid.NewGuid().ToString("N")[..8], "secrets.json");
        var port = Groundwork.Workspace.FreePorts.Next();
        var own = LocalSecretsManager.Start(store, port); // its own: this test stops it
        var client = new SecretsManagerClient("local", own.Url, _ => Task.FromResult(new ImmutableCredentials("local", "local", null)));
        var secret = "groundwork/test/later";
        var provider = new DatabaseCredentialProvider(secret, client, TimeSpan.FromMinutes(5), time, NullLogger.Instance);
        try
        {
            for (var i = 0; i < 5; i++)
            {
                await Assert.ThrowsAsync<DatabaseCredentialsException>(() => provider.GetAsync(default).AsTask());
            }
            Assert.Equal(1, provider.SecretReads);

            await client.CreateSecretAsync(secret, Guid.NewGuid().ToString(), UserJson("later_user", "later-password"));
            time.Advance(TimeSpan.FromSeconds(11));
            Assert.Equal("later_user", (await provider.GetAsync(default)).Username);
            for (var i = 0; i < 5; i++)
            {
                await provider.GetAsync(default);
            }
            Assert.Equal(2, provider.SecretReads);
        }
        finally
        {
            await own.DisposeAsync();
        }

        // Past the cache lifetime it is read again; with Secrets Manager gone, the last good value is kept.
        time.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal("later-password", (await provider.GetAsync(default)).Password);
        Assert.Equal(3, provider.SecretReads);
        Directory.Delete(Path.GetDirectoryName(store)!, recursive: true);
    }

    [Fact]
    public async Task ClearPool_makes_the_next_open_a_new_physical_connection_with_or_without_a_secret()
    {
        var (secret, _, _) = await NewAppUserAsync();
        using var app = AppData(secret, TimeSpan.FromMinutes(5));
        var direct = new PrimaryDataSource(new MySqlDataSourceBuilder(_tier.Tier.Setup.PrimaryConnectionString).Build());
        foreach (var primary in new[] { app.Services.GetRequiredService<PrimaryDataSource>(), direct })
        {
            async Task<long> ServerIdAsync()
            {
                await using var c = await primary.OpenConnectionAsync(default);
                return c.ServerThread;
            }
            var first = await ServerIdAsync();
            Assert.Equal(first, await ServerIdAsync()); // pooled
            primary.ClearPool();
            Assert.NotEqual(first, await ServerIdAsync());
        }
    }

    private static StringContent JsonContent(string url) =>
        new(JsonSerializer.Serialize(new { url }), System.Text.Encoding.UTF8, "application/json");
}
