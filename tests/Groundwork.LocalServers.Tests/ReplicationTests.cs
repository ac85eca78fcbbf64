using Groundwork.LocalServers;
using MySqlConnector;
using Xunit.Abstractions;

namespace Groundwork.LocalServers.Tests;

/// <summary>Replication, users and fault injection on one shared tier. Each test leaves every server running.</summary>
public sealed class ReplicationTests : IClassFixture<TierFixture>, IAsyncLifetime
{
    private static readonly TimeSpan CatchUp = TimeSpan.FromSeconds(30);
    private readonly TierFixture _fixture;
    private readonly ITestOutputHelper _output;

    public ReplicationTests(TierFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    private LocalDataTier Tier => _fixture.Tier;
    private DataTierSetup Setup => Tier.Setup;

    public async Task InitializeAsync()
    {
        await Sql.ExecuteAsync(Setup.PrimaryConnectionString, Sql.CreateProbeTable);
        await Setup.WaitForReplicaCaughtUpAsync(CatchUp, default);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_row_written_to_the_primary_appears_on_the_replica_and_is_read_there()
    {
        _output.WriteLine($"tier start-up from nothing: {Tier.StartUpTime.TotalSeconds:F2} s");
        var marker = Sql.NewMarker();
        await Sql.InsertMarkerAsync(Setup.PrimaryConnectionString, marker);
        await Setup.WaitForReplicaCaughtUpAsync(CatchUp, default);

        var replicaSelectsBefore = await Tier.ReplicaSelectCountAsync();
        var primarySelectsBefore = await Tier.PrimarySelectCountAsync();
        Assert.Equal(1, await Sql.CountMarkerAsync(Setup.ReplicaConnectionString, marker));

        Assert.True(await Tier.ReplicaSelectCountAsync() > replicaSelectsBefore);
        Assert.Equal(primarySelectsBefore, await Tier.PrimarySelectCountAsync());
    }

    [Fact]
    public async Task The_replica_refuses_writes_even_from_the_admin_user_as_read_only()
    {
        var marker = Sql.NewMarker();
        var error = await Assert.ThrowsAsync<MySqlException>(() => Sql.InsertMarkerAsync(Setup.ReplicaConnectionString, marker));
        Assert.Equal(MySqlErrorCode.OptionPreventsStatement, error.ErrorCode); // 1290
        Assert.Equal(0, await Sql.CountMarkerAsync(Setup.PrimaryConnectionString, marker));
    }

    [Fact]
    public async Task The_admin_user_is_the_RDS_master_stand_in_not_a_superuser_and_the_old_app_users_are_gone()
    {
        await using var admin = new MySqlConnection(Setup.PrimaryConnectionString);
        await admin.OpenAsync();
        await using var grants = new MySqlCommand("SHOW GRANTS", admin);
        var text = string.Join('\n', await ReadAllAsync(grants));
        Assert.Contains("CREATE USER", text, StringComparison.Ordinal);
        Assert.Contains("WITH GRANT OPTION", text, StringComparison.Ordinal);
        Assert.DoesNotContain("SUPER", text, StringComparison.Ordinal);
        Assert.DoesNotContain("READ_ONLY ADMIN", text, StringComparison.Ordinal);
        Assert.DoesNotContain("ALL PRIVILEGES", text, StringComparison.Ordinal);

        // An earlier version created 'groundwork' and 'analytics' directly; the tier setup drops them on every start.
        await using var users = new MySqlCommand("SELECT COUNT(*) FROM mysql.user WHERE User IN ('groundwork', 'analytics')", admin);
        Assert.Equal(0L, Convert.ToInt64(await users.ExecuteScalarAsync()));
    }

    private static async Task<List<string>> ReadAllAsync(MySqlCommand command)
    {
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) lines.Add(reader.GetString(0));
        return lines;
    }

    [Fact]
    public async Task Read_your_writes_works_with_MASTER_GTID_WAIT()
    {
        var marker = Sql.NewMarker();
        await Sql.InsertMarkerAsync(Setup.PrimaryConnectionString, marker);
        var position = (string?)await Sql.ScalarAsync(Setup.PrimaryConnectionString, "SELECT @@gtid_binlog_pos");
        Assert.False(string.IsNullOrEmpty(position));

        await using var replica = new MySqlConnection(Setup.ReplicaConnectionString);
        await replica.OpenAsync();
        await using var wait = new MySqlCommand("SELECT MASTER_GTID_WAIT(@pos, 10)", replica);
        wait.Parameters.AddWithValue("@pos", position);
        Assert.Equal(0L, Convert.ToInt64(await wait.ExecuteScalarAsync()));
        Assert.Equal(1, await Sql.CountMarkerAsync(Setup.ReplicaConnectionString, marker));
    }

    [Fact]
    public async Task A_stopped_sql_thread_holds_rows_back_until_it_is_started_again()
    {
        await Tier.StopReplicaSqlThreadAsync();
        var marker = Sql.NewMarker();
        try
        {
            await Sql.InsertMarkerAsync(Setup.PrimaryConnectionString, marker);
            // The event has reached the replica (its IO thread received it) yet it is not applied.
            await WaitUntilReplicaReceivedPrimaryPositionAsync();
            Assert.Equal(0, await Sql.CountMarkerAsync(Setup.ReplicaConnectionString, marker));
        }
        finally
        {
            await Tier.StartReplicaSqlThreadAsync();
        }
        await Setup.WaitForReplicaCaughtUpAsync(CatchUp, default);
        Assert.Equal(1, await Sql.CountMarkerAsync(Setup.ReplicaConnectionString, marker));
    }

    [Fact]
    public async Task A_killed_replica_restarts_and_catches_up_with_rows_written_while_it_was_down()
    {
        await Tier.KillReplicaAsync();
        Assert.False(Tier.IsReplicaRunning);
        var markers = Enumerable.Range(0, 20).Select(_ => Sql.NewMarker()).ToList();
        try
        {
            foreach (var marker in markers) await Sql.InsertMarkerAsync(Setup.PrimaryConnectionString, marker);
            await Assert.ThrowsAsync<MySqlException>(() => Sql.CountMarkerAsync(Setup.ReplicaConnectionString, markers[0]));
        }
        finally
        {
            await Tier.StartReplicaAsync();
        }
        await Setup.WaitForReplicaCaughtUpAsync(CatchUp, default);
        foreach (var marker in markers) Assert.Equal(1, await Sql.CountMarkerAsync(Setup.ReplicaConnectionString, marker));
    }

    [Fact]
    public async Task A_killed_primary_restarts_and_the_replica_follows_it_again()
    {
        var before = Sql.NewMarker();
        await Sql.InsertMarkerAsync(Setup.PrimaryConnectionString, before);
        await Setup.WaitForReplicaCaughtUpAsync(CatchUp, default);

        await Tier.KillPrimaryAsync();
        try
        {
            await Assert.ThrowsAsync<MySqlException>(() => Sql.InsertMarkerAsync(Setup.PrimaryConnectionString, Sql.NewMarker()));
            // Reads on the replica keep working while the primary is down.
            Assert.Equal(1, await Sql.CountMarkerAsync(Setup.ReplicaConnectionString, before));
        }
        finally
        {
            await Tier.StartPrimaryAsync();
        }

        var after = Sql.NewMarker();
        await Sql.InsertMarkerAsync(Setup.PrimaryConnectionString, after);
        await Setup.WaitForReplicaCaughtUpAsync(CatchUp, default);
        Assert.Equal(1, await Sql.CountMarkerAsync(Setup.ReplicaConnectionString, after));
    }

    [Fact]
    public async Task A_killed_redis_refuses_connections_and_serves_again_after_restart()
    {
        var redis = Tier.Layout.Redis;
        Assert.True(await RedisPing.IsPongAsync(redis, default));
        await Tier.KillRedisAsync();
        try
        {
            Assert.False(await RedisPing.IsPongAsync(redis, default));
        }
        finally
        {
            await Tier.StartRedisAsync();
        }
        Assert.True(await RedisPing.IsPongAsync(redis, default));
    }

    [Fact]
    public async Task Ensuring_replication_again_is_harmless_and_never_writes_on_the_replica()
    {
        await Setup.EnsureReplicationAsync(default);
        await Setup.EnsureReplicationAsync(default);

        var marker = Sql.NewMarker();
        await Sql.InsertMarkerAsync(Setup.PrimaryConnectionString, marker);
        await Setup.WaitForReplicaCaughtUpAsync(CatchUp, default);
        Assert.Equal(1, await Sql.CountMarkerAsync(Setup.ReplicaConnectionString, marker));

        // The replica's binary log holds only the primary's transactions (server id 1): no local write forked it.
        await using var root = await Tier.Layout.Replica.OpenRootConnectionAsync(default);
        await using var command = new MySqlCommand("SHOW GLOBAL VARIABLES LIKE 'gtid_binlog_pos'", root);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var replicaBinlog = reader.GetString(1);
        Assert.All(replicaBinlog.Split(',', StringSplitOptions.RemoveEmptyEntries), gtid => Assert.Equal("1", gtid.Split('-')[1]));
    }

    private async Task WaitUntilReplicaReceivedPrimaryPositionAsync()
    {
        await using var primary = await Tier.Layout.Primary.OpenRootConnectionAsync(default);
        await using var read = new MySqlCommand("SHOW GLOBAL VARIABLES LIKE 'gtid_binlog_pos'", primary);
        string target;
        await using (var reader = await read.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            target = reader.GetString(1);
        }
        var wanted = GtidPosition.Parse(target);

        await using var replica = await Tier.Layout.Replica.OpenRootConnectionAsync(default);
        var deadline = DateTime.UtcNow + CatchUp;
        while (true)
        {
            await using var status = new MySqlCommand("SHOW SLAVE STATUS", replica);
            await using var reader = await status.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            if (GtidPosition.Parse(reader["Gtid_IO_Pos"] as string).Includes(wanted)) return;
            Assert.True(DateTime.UtcNow < deadline, $"The replica's IO thread never received {target}.");
            await Task.Delay(20);
        }
    }
}
