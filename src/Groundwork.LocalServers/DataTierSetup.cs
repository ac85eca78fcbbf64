using MySqlConnector;

namespace Groundwork.LocalServers;

/// <summary>
/// Users, passwords and replication of the pair. Root statements go over each server's unix socket (root has no
/// password); the application and analytics users connect over TCP. Every step is idempotent, so this runs on every
/// start, including after both servers were restarted with their data directories kept.
/// </summary>
public sealed class DataTierSetup
{
    public const string DatabaseName = "groundwork";
    public const string AppUser = "groundwork";
    public const string AnalyticsUser = "analytics";
    public const string ReplicationUser = "repl";

    private static readonly TimeSpan ReplicationStartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    private readonly DataTierLayout _layout;
    private readonly Lazy<DataTierCredentials> _credentials;
    // Health checks may call the Ensure* methods concurrently; two CHANGE MASTER at once would race.
    private readonly SemaphoreSlim _gate = new(1, 1);

    public DataTierSetup(DataTierLayout layout)
    {
        _layout = layout;
        // Read lazily: the AppHost builds connection strings before the root directory may exist.
        _credentials = new Lazy<DataTierCredentials>(() => DataTierCredentials.LoadOrCreate(layout.CredentialsFile));
    }

    public DataTierCredentials Credentials => _credentials.Value;

    // Straight to the server that has the role now (tests of the tier itself). The AppHost hands the app tier
    // connection strings through the movable endpoints instead (AppConnectionString with an endpoint's port).
    public string PrimaryConnectionString => AppConnectionString(_layout.Primary.Port);
    public string ReplicaConnectionString => AppConnectionString(_layout.Replica.Port);
    public string AnalyticsReplicaConnectionString => AnalyticsConnectionString(_layout.Replica.Port);

    /// <summary>The application user's connection string to 127.0.0.1:<paramref name="port"/> (a server or an endpoint).</summary>
    public string AppConnectionString(int port) => TcpConnectionString(port, AppUser, Credentials.AppPassword);

    public string AnalyticsConnectionString(int port) => TcpConnectionString(port, AnalyticsUser, Credentials.AnalyticsPassword);

    /// <summary>Creates database and users on the primary, then points the replica at it and waits until both replica threads run.</summary>
    public async Task EnsureReplicationAsync(CancellationToken ct)
    {
        await EnsureUsersOnPrimaryAsync(ct).ConfigureAwait(false);
        await EnsureReplicaFollowsPrimaryAsync(requireIoThread: true, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The primary's part. The statements replicate, which is how the replica gets the same users: nothing is ever
    /// created on the replica directly (a local write there would fork its GTID history).
    /// </summary>
    public async Task EnsureUsersOnPrimaryAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await CreateUsersOnPrimaryAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The replica's part: CHANGE MASTER with GTID (only when not already pointing at this primary), START SLAVE, and
    /// wait until the SQL thread runs and, when <paramref name="requireIoThread"/>, the IO thread is connected.
    /// </summary>
    public async Task EnsureReplicaFollowsPrimaryAsync(bool requireIoThread, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await PointReplicaAtPrimaryAsync(requireIoThread, ct).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// For health checks: <see cref="EnsureReplicaFollowsPrimaryAsync"/> unless a failover holds the replication lock
    /// (then nothing is done and false is returned: mid-failover the roles are changing, and a repair would undo them).
    /// </summary>
    public async Task<bool> TryRepairReplicationAsync(bool requireIoThread, CancellationToken ct)
    {
        using var held = ReplicationLock.TryAcquire(_layout.ReplicationLockFile);
        if (held is null) return false;
        await EnsureReplicaFollowsPrimaryAsync(requireIoThread, ct).ConfigureAwait(false);
        return true;
    }

    private async Task CreateUsersOnPrimaryAsync(CancellationToken ct)
    {
        var c = Credentials;
        await using var root = await _layout.Primary.OpenRootConnectionAsync(ct).ConfigureAwait(false);
        string[] statements =
        [
            $"CREATE DATABASE IF NOT EXISTS `{DatabaseName}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
            // The application: everything on its own schema. MASTER_GTID_WAIT and @@gtid_binlog_pos need no privilege.
            $"CREATE USER IF NOT EXISTS '{AppUser}'@'%' IDENTIFIED BY @app",
            $"ALTER USER '{AppUser}'@'%' IDENTIFIED BY @app",
            $"GRANT ALL PRIVILEGES ON `{DatabaseName}`.* TO '{AppUser}'@'%'",
            // Metabase: read-only, and used on the replica only.
            $"CREATE USER IF NOT EXISTS '{AnalyticsUser}'@'%' IDENTIFIED BY @analytics",
            $"ALTER USER '{AnalyticsUser}'@'%' IDENTIFIED BY @analytics",
            $"GRANT SELECT ON `{DatabaseName}`.* TO '{AnalyticsUser}'@'%'",
            // The replica's IO thread.
            $"CREATE USER IF NOT EXISTS '{ReplicationUser}'@'%' IDENTIFIED BY @repl",
            $"ALTER USER '{ReplicationUser}'@'%' IDENTIFIED BY @repl",
            $"GRANT REPLICATION SLAVE ON *.* TO '{ReplicationUser}'@'%'",
        ];
        foreach (var sql in statements)
        {
            await using var command = new MySqlCommand(sql, root);
            command.Parameters.AddWithValue("@app", c.AppPassword);
            command.Parameters.AddWithValue("@analytics", c.AnalyticsPassword);
            command.Parameters.AddWithValue("@repl", c.ReplicationPassword);
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }

    private async Task PointReplicaAtPrimaryAsync(bool requireIoThread, CancellationToken ct)
    {
        await using var root = await _layout.Replica.OpenRootConnectionAsync(ct).ConfigureAwait(false);
        var status = await ReplicaStatus.ReadAsync(root, ct).ConfigureAwait(false);

        if (status is null)
        {
            // Never configured. Its own binary log must be empty, or strict GTID mode would reject the primary's history.
            var ownBinlog = await ReadGlobalVariableAsync(root, "gtid_binlog_pos", ct).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(ownBinlog)) await ExecuteAsync(root, "RESET MASTER", ct).ConfigureAwait(false);
        }

        if (!PointsAtPrimary(status))
        {
            if (status is not null) await ExecuteAsync(root, "STOP SLAVE", ct).ConfigureAwait(false);
            await using var change = new MySqlCommand(
                "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=@port, MASTER_USER=@user, MASTER_PASSWORD=@password, " +
                // Reconnect every second after the primary dies (the default is 60 s).
                "MASTER_CONNECT_RETRY=1, MASTER_USE_GTID=slave_pos", root);
            change.Parameters.AddWithValue("@port", _layout.Primary.Port);
            change.Parameters.AddWithValue("@user", ReplicationUser);
            change.Parameters.AddWithValue("@password", Credentials.ReplicationPassword);
            await change.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            await ExecuteAsync(root, "START SLAVE", ct).ConfigureAwait(false);
        }
        else if ((!status!.IoThreadRunning && status.IoRunning != "Connecting") || !status.SqlThreadRunning)
        {
            await ExecuteAsync(root, "START SLAVE", ct).ConfigureAwait(false);
        }

        await WaitForReplicaThreadsAsync(root, requireIoThread, ct).ConfigureAwait(false);
    }

    /// <summary>True when both replica threads run (for health checks: a replica that does not replicate is not healthy).</summary>
    public async Task<bool> IsReplicatingAsync(CancellationToken ct)
    {
        try
        {
            await using var root = await _layout.Replica.OpenRootConnectionAsync(ct).ConfigureAwait(false);
            var status = await ReplicaStatus.ReadAsync(root, ct).ConfigureAwait(false);
            return status is { IoThreadRunning: true, SqlThreadRunning: true };
        }
        catch (MySqlException)
        {
            return false;
        }
    }

    /// <summary>
    /// Waits until the replica has applied everything in the primary's binary log at the time of the call.
    /// Uses SHOW / DO only, so the Com_select counters stay untouched.
    /// </summary>
    public async Task WaitForReplicaCaughtUpAsync(TimeSpan timeout, CancellationToken ct)
    {
        string target;
        await using (var primary = await _layout.Primary.OpenRootConnectionAsync(ct).ConfigureAwait(false))
            target = await ReadGlobalVariableAsync(primary, "gtid_binlog_pos", ct).ConfigureAwait(false) ?? "";
        var wanted = GtidPosition.Parse(target);
        if (wanted.IsEmpty) return;

        var deadline = DateTime.UtcNow + timeout;
        await using var replica = await _layout.Replica.OpenRootConnectionAsync(ct).ConfigureAwait(false);
        while (true)
        {
            var applied = GtidPosition.Parse(await ReadGlobalVariableAsync(replica, "gtid_slave_pos", ct).ConfigureAwait(false));
            if (applied.Includes(wanted)) return;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                throw new TimeoutException($"The replica did not reach the primary's position {target} within {timeout} (it is at {applied}).");
            // Blocks on the server until the position is reached or the slice ends; cheaper than polling.
            await using var wait = new MySqlCommand("DO MASTER_GTID_WAIT(@pos, @seconds)", replica);
            wait.Parameters.AddWithValue("@pos", target);
            wait.Parameters.AddWithValue("@seconds", Math.Min(1.0, Math.Max(0.01, left.TotalSeconds)));
            await wait.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }

    private bool PointsAtPrimary(ReplicaStatus? status) =>
        status is not null
        && status.MasterHost == "127.0.0.1"
        && status.MasterPort == _layout.Primary.Port
        && status.MasterUser == ReplicationUser
        && string.Equals(status.UsingGtid, "Slave_Pos", StringComparison.OrdinalIgnoreCase);

    internal static async Task WaitForReplicaThreadsAsync(MySqlConnection root, bool requireIoThread, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + ReplicationStartTimeout;
        while (true)
        {
            var status = await ReplicaStatus.ReadAsync(root, ct).ConfigureAwait(false)
                ?? throw new InvalidOperationException("The replica has no replication configured.");
            if (status.SqlRunning == "No" && status.LastSqlError.Length > 0)
                throw new InvalidOperationException($"Replication stopped on the replica: {status.LastSqlError}");
            if (status.SqlThreadRunning && (status.IoThreadRunning || !requireIoThread)) return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException(
                    $"Replica threads not running after {ReplicationStartTimeout}: IO={status.IoRunning} ({status.LastIoError}), SQL={status.SqlRunning} ({status.LastSqlError}).");
            await Task.Delay(PollInterval, ct).ConfigureAwait(false);
        }
    }

    internal static async Task ExecuteAsync(MySqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>SHOW GLOBAL rather than SELECT @@: it does not count as a SELECT in the server's status counters.</summary>
    internal static async Task<string?> ReadGlobalAsync(MySqlConnection connection, string showStatement, string name, CancellationToken ct)
    {
        await using var command = new MySqlCommand($"{showStatement} LIKE @name", connection);
        command.Parameters.AddWithValue("@name", name);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? reader.GetString(1) : null;
    }

    internal static Task<string?> ReadGlobalVariableAsync(MySqlConnection connection, string name, CancellationToken ct) =>
        ReadGlobalAsync(connection, "SHOW GLOBAL VARIABLES", name, ct);

    private static string TcpConnectionString(int port, string user, string password) => new MySqlConnectionStringBuilder
    {
        Server = "127.0.0.1",
        Port = (uint)port,
        UserID = user,
        Password = password,
        Database = DatabaseName,
    }.ConnectionString;
}
