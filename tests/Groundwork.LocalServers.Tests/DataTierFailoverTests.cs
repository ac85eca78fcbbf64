using System.Diagnostics;
using Groundwork.LocalServers;
using MySqlConnector;
using Xunit.Abstractions;

namespace Groundwork.LocalServers.Tests;

/// <summary>
/// The movable endpoints and the failover on a real pair, without the AppHost: the test owns the endpoints as the
/// AppHost does (<see cref="DataTierEndpoints"/> watching roles.json). Own tier: the roles change here.
/// </summary>
public sealed class DataTierFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _root = TempRoot.Create();
    private LocalDataTier _tier = null!;
    private DataTierEndpoints _endpoints = null!;

    public async Task InitializeAsync()
    {
        _tier = await LocalDataTier.StartAsync(DataTierLayout.ForTests(_root));
        _endpoints = DataTierEndpoints.Start(_tier.Layout);
        await Sql.ExecuteAsync(_tier.Setup.PrimaryConnectionString, Sql.CreateProbeTable);
        await _tier.Setup.WaitForReplicaCaughtUpAsync(TimeSpan.FromSeconds(30), default);
    }

    public async Task DisposeAsync()
    {
        await _endpoints.DisposeAsync();
        await _tier.DisposeAsync();
        TempRoot.Delete(_root);
    }

    private string ViaPrimaryEndpoint => _tier.Setup.AdminConnectionString(_endpoints.Primary.Port);
    private string ViaReplicaEndpoint => _tier.Setup.AdminConnectionString(_endpoints.Replica.Port);

    [Fact]
    public async Task Failover_moves_the_endpoints_loses_no_write_keeps_gtid_positions_and_a_second_run_fails_back()
    {
        var layout = _tier.Layout;
        Assert.Equal(1, await ServerIdAsync(ViaPrimaryEndpoint));
        Assert.Equal(2, await ServerIdAsync(ViaReplicaEndpoint));

        // A session open through the primary endpoint, and the position of a write made on it (read-your-writes cookie).
        await using var held = new MySqlConnection(ViaPrimaryEndpoint);
        await held.OpenAsync();
        var before = Sql.NewMarker();
        string positionBefore;
        await using (var insert = new MySqlCommand("INSERT INTO probe (marker) VALUES (@m); SELECT @@last_gtid", held))
        {
            insert.Parameters.AddWithValue("@m", before);
            positionBefore = (string)(await insert.ExecuteScalarAsync())!;
        }
        Assert.StartsWith("0-1-", positionBefore);

        var steps = new List<FailoverStep>();
        var result = await new DataTierFailover(layout, steps.Add).RunAsync();
        foreach (var step in steps) output.WriteLine($"{step.Name}: {step.Took.TotalMilliseconds:F0} ms — {step.Detail}");
        output.WriteLine($"{result.Summary}; writes refused for {result.WritesStopped.TotalMilliseconds:F0} ms, total {result.Total.TotalMilliseconds:F0} ms");

        Assert.Equal(2, layout.Primary.ServerId);
        Assert.Equal(1, layout.Replica.ServerId);
        Assert.True(result.ReplicaReplicating);
        Assert.True(result.ReplicaReadOnly);
        Assert.True(result.WritesStopped < TimeSpan.FromSeconds(10), $"writes were refused for {result.WritesStopped}");
        // The session through the old endpoint target was ended (the app's sessions are, and the move resets it).
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var probe = new MySqlCommand("SELECT 1", held);
            await probe.ExecuteScalarAsync();
        });

        // New connections reach the new roles; the write made before is on the new primary.
        Assert.Equal(2, await ServerIdAsync(ViaPrimaryEndpoint));
        Assert.Equal(1, await ServerIdAsync(ViaReplicaEndpoint));
        Assert.Equal(1, await Sql.CountMarkerAsync(ViaPrimaryEndpoint, before));
        Assert.Equal("OFF", await VariableAsync(layout.Primary, "read_only"));
        Assert.Equal("ON", await VariableAsync(layout.Replica, "read_only"));

        // Read-your-writes positions work across the role change: the old one (server 1's) is applied on the new
        // replica, and a write on the new primary (server 2's GTIDs) reaches it.
        Assert.Equal(0L, await WaitAsync(ViaReplicaEndpoint, positionBefore));
        var after = Sql.NewMarker();
        string positionAfter;
        await using (var connection = new MySqlConnection(ViaPrimaryEndpoint))
        {
            await connection.OpenAsync();
            await using var insert = new MySqlCommand("INSERT INTO probe (marker) VALUES (@m); SELECT @@last_gtid", connection);
            insert.Parameters.AddWithValue("@m", after);
            positionAfter = (string)(await insert.ExecuteScalarAsync())!;
        }
        Assert.StartsWith("0-2-", positionAfter);
        Assert.Equal(0L, await WaitAsync(ViaReplicaEndpoint, positionAfter));
        Assert.Equal(1, await Sql.CountMarkerAsync(ViaReplicaEndpoint, after));

        // The demoted server refuses the app's writes.
        var refused = await Assert.ThrowsAsync<MySqlException>(() => Sql.InsertMarkerAsync(_tier.Setup.AdminConnectionString(layout.Replica.Port), Sql.NewMarker()));
        Assert.Equal(MySqlErrorCode.OptionPreventsStatement, refused.ErrorCode);

        // Twice fails back.
        var back = await new DataTierFailover(layout).RunAsync();
        output.WriteLine(back.Summary);
        Assert.Equal(1, await ServerIdAsync(ViaPrimaryEndpoint));
        Assert.Equal(2, await ServerIdAsync(ViaReplicaEndpoint));
        Assert.Equal(1, await Sql.CountMarkerAsync(ViaPrimaryEndpoint, after));
        var last = Sql.NewMarker();
        await Sql.InsertMarkerAsync(ViaPrimaryEndpoint, last);
        await _tier.Setup.WaitForReplicaCaughtUpAsync(TimeSpan.FromSeconds(10), default);
        Assert.Equal(1, await Sql.CountMarkerAsync(ViaReplicaEndpoint, last));
    }

    [Fact]
    public async Task Roles_survive_a_restart_of_the_whole_tier_with_the_data_kept()
    {
        await new DataTierFailover(_tier.Layout).RunAsync();
        var marker = Sql.NewMarker();
        await Sql.InsertMarkerAsync(ViaPrimaryEndpoint, marker);

        await _endpoints.DisposeAsync();
        await _tier.DisposeAsync();
        var clock = Stopwatch.StartNew();
        _tier = await LocalDataTier.StartAsync(DataTierLayout.ForTests(_root) with { PrimaryPort = _tier.Layout.PrimaryPort, ReplicaPort = _tier.Layout.ReplicaPort, RedisPort = _tier.Layout.RedisPort });
        _endpoints = DataTierEndpoints.Start(_tier.Layout);
        output.WriteLine($"restart after failover: {clock.Elapsed.TotalSeconds:F2} s");

        Assert.Equal(2, _tier.Layout.Primary.ServerId);
        Assert.Equal(2, await ServerIdAsync(ViaPrimaryEndpoint));
        Assert.Equal(1, await ServerIdAsync(ViaReplicaEndpoint));
        Assert.Equal("ON", await VariableAsync(_tier.Layout.Server(1), "read_only"));
        Assert.Equal("OFF", await VariableAsync(_tier.Layout.Server(2), "read_only"));
        Assert.True(await _tier.Setup.IsReplicatingAsync(default));
        var next = Sql.NewMarker();
        await Sql.InsertMarkerAsync(ViaPrimaryEndpoint, next);
        await _tier.Setup.WaitForReplicaCaughtUpAsync(TimeSpan.FromSeconds(10), default);
        Assert.Equal(1, await Sql.CountMarkerAsync(ViaReplicaEndpoint, marker));
        Assert.Equal(1, await Sql.CountMarkerAsync(ViaReplicaEndpoint, next));
    }

    [Fact]
    public async Task Moving_an_endpoint_resets_open_connections_and_an_endpoint_to_a_dead_port_fails_at_once()
    {
        await using var connection = new MySqlConnection(ViaReplicaEndpoint);
        await connection.OpenAsync();
        Assert.True(_endpoints.Replica.OpenConnections >= 1);
        var target = _endpoints.Replica.TargetPort;

        await using var dead = MovableEndpoint.Start("test", 0, LocalStackPorts.Unused());
        var clock = Stopwatch.StartNew();
        var refused = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var c = new MySqlConnection(_tier.Setup.AdminConnectionString(dead.Port));
            await c.OpenAsync();
        });
        output.WriteLine($"connect through an endpoint to a dead port: {refused.GetType().Name} ({(refused as MySqlException)?.ErrorCode}) after {clock.ElapsedMilliseconds} ms: {refused.Message}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3));

        var reset = _endpoints.Replica.MoveTo(target);
        Assert.True(reset >= 1);
        var broken = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var command = new MySqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync();
        });
        output.WriteLine($"query on a reset connection: {broken.GetType().Name} ({(broken as MySqlException)?.ErrorCode}): {broken.Message}");
    }

    [Fact]
    public async Task Idle_pooled_connections_a_move_cut_are_replaced_on_the_next_open()
    {
        // What the app relies on after a move, measured: MySqlConnector 2.6 resets a pooled session when it is handed
        // out again and replaces it if that fails, so idle connections the move cut never reach a request. (Database
        // also calls ClearPoolAsync on connection loss, but for a MySqlDataSource's pool that lookup goes by
        // connection string to the global pools; this behaviour, not the clear, is what keeps requests whole.)
        await using var source = new MySqlDataSource(ViaReplicaEndpoint);
        var held = new List<MySqlConnection>();
        for (var i = 0; i < 3; i++) held.Add(await source.OpenConnectionAsync());
        foreach (var c in held) await c.DisposeAsync();
        Assert.Equal(3, _endpoints.Replica.OpenConnections);
        Assert.Equal(3, _endpoints.Replica.MoveTo(_endpoints.Replica.TargetPort));
        for (var i = 0; i < 3; i++)
        {
            await using var fresh = await source.OpenConnectionAsync();
            await using var command = new MySqlCommand("SELECT 1", fresh);
            Assert.Equal(1, Convert.ToInt32(await command.ExecuteScalarAsync()));
        }
    }

    [Fact]
    public async Task A_replica_that_cannot_catch_up_is_not_promoted_and_the_primary_gets_its_writes_back()
    {
        var layout = _tier.Layout;
        await _tier.StopReplicaSqlThreadAsync();
        try
        {
            // The IO thread still runs (the replica "replicates"), but nothing written now is applied.
            await Sql.InsertMarkerAsync(ViaPrimaryEndpoint, Sql.NewMarker());
            var failover = new DataTierFailover(layout) { CatchUpTimeout = TimeSpan.FromSeconds(1) };
            var refused = await Assert.ThrowsAnyAsync<Exception>(() => failover.RunAsync());
            Assert.True(refused is TimeoutException or InvalidOperationException, refused.ToString());
            output.WriteLine(refused.Message);
            Assert.Equal(1, layout.Primary.ServerId);
            Assert.Equal("OFF", await VariableAsync(layout.Primary, "read_only"));
            await Sql.InsertMarkerAsync(ViaPrimaryEndpoint, Sql.NewMarker());
        }
        finally
        {
            await _tier.StartReplicaSqlThreadAsync();
        }
        await _tier.Setup.WaitForReplicaCaughtUpAsync(TimeSpan.FromSeconds(10), default);
    }

    [Fact]
    public async Task A_replica_that_does_not_replicate_is_refused_before_anything_changes()
    {
        await using (var root = await _tier.Layout.Replica.OpenRootConnectionAsync(default))
        {
            await using var stop = new MySqlCommand("STOP SLAVE", root);
            await stop.ExecuteNonQueryAsync();
        }
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => new DataTierFailover(_tier.Layout).RunAsync());
        Assert.Contains("refusing to fail over", refused.Message);
        Assert.Equal("OFF", await VariableAsync(_tier.Layout.Primary, "read_only"));
        Assert.False(File.Exists(_tier.Layout.RolesFile));
    }

    [Fact]
    public async Task A_health_check_repair_does_nothing_while_a_failover_holds_the_replication_lock()
    {
        // Mid-failover the replica has been promoted (replication removed) before roles.json says so: a repair then
        // would point it back at the old primary. The AppHost's checks repair through TryRepairReplicationAsync.
        await using (var root = await _tier.Layout.Replica.OpenRootConnectionAsync(default))
        {
            await using var stop = new MySqlCommand("STOP SLAVE", root);
            await stop.ExecuteNonQueryAsync();
        }
        using (var held = await ReplicationLock.AcquireAsync(_tier.Layout.ReplicationLockFile, TimeSpan.FromSeconds(5), default))
        {
            Assert.Null(ReplicationLock.TryAcquire(_tier.Layout.ReplicationLockFile));
            Assert.False(await _tier.Setup.TryRepairReplicationAsync(requireIoThread: true, default));
            Assert.False(await _tier.Setup.IsReplicatingAsync(default));
        }
        Assert.True(await _tier.Setup.TryRepairReplicationAsync(requireIoThread: true, default));
        Assert.True(await _tier.Setup.IsReplicatingAsync(default));
    }

    [Fact]
    public async Task Forwarding_through_an_endpoint_costs_little_per_round_trip()
    {
        // Every app query locally goes through an endpoint (in AWS there is no such hop): measure what it adds.
        async Task<double> MicrosecondsPerRoundTripAsync(string connectionString)
        {
            await using var connection = new MySqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new MySqlCommand("DO 1", connection);
            for (var i = 0; i < 200; i++) await command.ExecuteNonQueryAsync(); // warm up
            var clock = Stopwatch.StartNew();
            const int rounds = 3000;
            for (var i = 0; i < rounds; i++) await command.ExecuteNonQueryAsync();
            return clock.Elapsed.TotalMicroseconds / rounds;
        }
        // Alternated, best of three each: the machine is shared and the first rounds pay for JIT and caches.
        var direct = double.MaxValue;
        var forwarded = double.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            direct = Math.Min(direct, await MicrosecondsPerRoundTripAsync(_tier.Setup.AdminConnectionString(_tier.Layout.Replica.Port)));
            forwarded = Math.Min(forwarded, await MicrosecondsPerRoundTripAsync(ViaReplicaEndpoint));
        }
        output.WriteLine($"round trip: direct {direct:F0} µs, through the endpoint {forwarded:F0} µs (+{forwarded - direct:F0} µs)");
        Assert.True(forwarded < direct + 2000, $"the endpoint adds {forwarded - direct:F0} µs per round trip");
    }

    private static async Task<int> ServerIdAsync(string connectionString) =>
        Convert.ToInt32(await Sql.ScalarAsync(connectionString, "SELECT @@server_id"));

    private static async Task<long> WaitAsync(string connectionString, string position) =>
        Convert.ToInt64(await Sql.ScalarAsync(connectionString, "SELECT MASTER_GTID_WAIT(@p, 10)", ("@p", position)));

    private static async Task<string?> VariableAsync(MariaDbInstance server, string name)
    {
        await using var root = await server.OpenRootConnectionAsync(default);
        await using var command = new MySqlCommand($"SHOW GLOBAL VARIABLES LIKE '{name}'", root);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? reader.GetString(1) : null;
    }
}

internal static class LocalStackPorts
{
    /// <summary>A port nothing listens on (taken from the kernel and released).</summary>
    public static int Unused() => Groundwork.Workspace.FreePorts.Next();
}
