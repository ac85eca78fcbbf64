using MySqlConnector;

namespace Groundwork.LocalServers;

/// <summary>
/// The tier's own users, and replication of the pair. Root statements go over each server's unix socket (root has no
/// password). The tier creates the admin user (the local stand-in for the RDS master user) and the replication user;
/// the app and analytics users are created by the migrate step from their secrets, as in AWS. Every step is
/// idempotent, so this runs on every start, including after both servers were restarted with their data directories
/// kept, and on a data directory made by an earlier version (its users are brought to this state).
/// </summary>
public sealed class DataTierSetup
{
    public const string DatabaseName = "groundwork";
    /// <summary>The app servers' user (created by the migrate step from <see cref="AppSecretName"/>).</summary>
    public const string AppUser = "groundwork_app";
    /// <summary>Metabase's read-only user (created by the migrate step from <see cref="AnalyticsSecretName"/>).</summary>
    public const string AnalyticsUser = "analytics_ro";
    /// <summary>The local RDS master user: schema changes and user management, by the migrate step and tools only.</summary>
    public const string AdminUser = "groundwork_admin";
    public const string ReplicationUser = "repl";
    public const string AppSecretName = "groundwork/local/db/app";
    public const string AnalyticsSecretName = "groundwork/local/db/analytics-readonly";

    /// <summary>
    /// What RDS for MariaDB grants its master user, less what RDS wraps in procedures: no SUPER and no READ_ONLY ADMIN,
    /// so read_only holds for it on the replica. CONNECTION ADMIN stands in for mysql.rds_kill.
    /// </summary>
    private const string AdminPrivileges =
        "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, RELOAD, PROCESS, REFERENCES, INDEX, ALTER, SHOW DATABASES, " +
        "CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, REPLICATION SLAVE, BINLOG MONITOR, SLAVE MONITOR, CREATE VIEW, " +
        "SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, CREATE USER, EVENT, TRIGGER, CONNECTION ADMIN";

    /// <summary>Users an earlier version created directly (ALL on the schema for the app): replaced by the ones above.</summary>
    private static readonly string[] LegacyUsers = ["groundwork", "analytics"];

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

    /// <summary>The admin user (the local stand-in for the RDS master) on the server that is primary now: the migrate
    /// step, tools and tests. Straight to the server; the app tier goes through the movable endpoints.</summary>
    public string PrimaryConnectionString => AdminConnectionString(_layout.Primary.Port);
    /// <summary>The admin user on the server that is the replica now (read_only applies to it: it cannot write there).</summary>
    public string ReplicaConnectionString => AdminConnectionString(_layout.Replica.Port);
    /// <summary>What app servers get for the current servers: no user, no password (both come from the app secret).</summary>
    public string AppPrimaryConnectionString => AppConnectionString(_layout.Primary.Port);
    public string AppReplicaConnectionString => AppConnectionString(_layout.Replica.Port);

    /// <summary>The admin user's connection string to 127.0.0.1:<paramref name="port"/> (a server or an endpoint).</summary>
    public string AdminConnectionString(int port) => TcpConnectionString(port, AdminUser, Credentials.AdminPassword);

    /// <summary>The app tier's connection string to 127.0.0.1:<paramref name="port"/> (a server or an endpoint): no user,
    /// no password — the app reads both from its secret when a connection opens.</summary>
    public string AppConnectionString(int port) => TcpConnectionString(port, null, null);

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
            // The local master user.
            $"CREATE USER IF NOT EXISTS '{AdminUser}'@'%' IDENTIFIED BY @admin",
            $"ALTER USER '{AdminUser}'@'%' IDENTIFIED BY @admin",
            $"GRANT {AdminPrivileges} ON *.* TO '{AdminUser}'@'%' WITH GRANT OPTION",
            // An earlier version's app user had ALL on the schema and a password outside any secret.
            .. LegacyUsers.Select(u => $"DROP USER IF EXISTS '{u}'@'%'"),
            // The replica's IO thread.
            $"CREATE USER IF NOT EXISTS '{ReplicationUser}'@'%' IDENTIFIED BY @repl",
            $"ALTER USER '{ReplicationUser}'@'%' IDENTIFIED BY @repl",
            $"GRANT REPLICATION SLAVE ON *.* TO '{ReplicationUser}'@'%'",
        ];
        foreach (var sql in statements)
        {
            await using var command = new MySqlCommand(sql, root);
            command.Parameters.AddWithValue("@admin", c.AdminPassword);
            command.Parameters.AddWithValue("@repl", c.ReplicationPassword);
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }

    private async Task PointReplicaAtPrimaryAsync(bool requireIoThread, CancellationToken ct)
    {
        await using var root = await _layout.Replica.OpenRootConnectionAsync(ct).ConfigureAwait(false);
        var status = await ReplicaThreadStatus.ReadAsync(root, ct).ConfigureAwait(false);

        if (status is null)
        {
            // Never configured. Its own binary log must be empty, or strict GTID mode would reject the primary's history.
            var ownBinlog = await ReadGlobalVariableAsync(root, "gtid_binlog_pos", ct).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(ownBinlog)) await ExecuteAsync(root, "RESET MASTER", ct).ConfigureAwait(false);
        }

        if (!PointsAtPrimary(status))
        {
            if (status is not null) await ExecuteAsync(root, "STOP SLAVE", ct).ConfigureAwait(false);
            await ChangeMasterAsync(root, _layout.Primary.Port, ct).ConfigureAwait(false);
            await ExecuteAsync(root, "START SLAVE", ct).ConfigureAwait(false);
        }
        else if ((!status!.IoThreadRunning && status.IoRunning != "Connecting") || !status.SqlThreadRunning)
        {
            await ExecuteAsync(root, "START SLAVE", ct).ConfigureAwait(false);
        }

        await WaitForReplicaThreadsAsync(root, requireIoThread, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Points the server of <paramref name="root"/> at the primary on 127.0.0.1:<paramref name="primaryPort"/> over TLS,
    /// the certificate checked against the tier's CA and the host name (RDS replicates over TLS too; the primary's
    /// require_secure_transport would refuse a plain-text IO thread anyway).
    /// </summary>
    internal async Task ChangeMasterAsync(MySqlConnection root, int primaryPort, CancellationToken ct)
    {
        await using var change = new MySqlCommand(
            "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=@port, MASTER_USER=@user, MASTER_PASSWORD=@password, " +
            "MASTER_SSL=1, MASTER_SSL_CA=@ca, MASTER_SSL_VERIFY_SERVER_CERT=1, " +
            // Reconnect every second after the primary dies (the default is 60 s).
            "MASTER_CONNECT_RETRY=1, MASTER_USE_GTID=slave_pos", root);
        change.Parameters.AddWithValue("@port", primaryPort);
        change.Parameters.AddWithValue("@user", ReplicationUser);
        change.Parameters.AddWithValue("@password", Credentials.ReplicationPassword);
        change.Parameters.AddWithValue("@ca", _layout.Certificates.CaFile);
        await change.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>True when both replica threads run (for health checks: a replica that does not replicate is not healthy).</summary>
    public async Task<bool> IsReplicatingAsync(CancellationToken ct)
    {
        try
        {
            await using var root = await _layout.Replica.OpenRootConnectionAsync(ct).ConfigureAwait(false);
            var status = await ReplicaThreadStatus.ReadAsync(root, ct).ConfigureAwait(false);
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

    private bool PointsAtPrimary(ReplicaThreadStatus? status) =>
        status is not null
        && status.MasterHost == "127.0.0.1"
        && status.MasterPort == _layout.Primary.Port
        && status.MasterUser == ReplicationUser
        && string.Equals(status.UsingGtid, "Slave_Pos", StringComparison.OrdinalIgnoreCase)
        // A replica set up before the tier spoke TLS is pointed again, with the TLS options.
        && status.SslAllowed == "Yes"
        && status.SslVerifyServerCert == "Yes"
        && status.SslCa == _layout.Certificates.CaFile;

    internal static async Task WaitForReplicaThreadsAsync(MySqlConnection root, bool requireIoThread, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + ReplicationStartTimeout;
        while (true)
        {
            var status = await ReplicaThreadStatus.ReadAsync(root, ct).ConfigureAwait(false)
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

    private string TcpConnectionString(int port, string? user, string? password)
    {
        // The AWS options (AppServerUserData: SslMode=VerifyFull;SslCa=<RDS bundle>); only the CA file differs.
        var csb = new MySqlConnectionStringBuilder
        {
            Server = "127.0.0.1",
            Port = (uint)port,
            Database = DatabaseName,
            SslMode = MySqlSslMode.VerifyFull,
            SslCa = _layout.Certificates.CaFile,
        };
        if (user is not null) csb.UserID = user;
        if (password is not null) csb.Password = password;
        return csb.ConnectionString;
    }
}
