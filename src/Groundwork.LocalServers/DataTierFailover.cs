using System.Diagnostics;
using System.Globalization;
using MySqlConnector;

namespace Groundwork.LocalServers;

/// <summary>One step of a failover, with how long it took.</summary>
public sealed record FailoverStep(string Name, TimeSpan Took, string Detail);

/// <summary>What a failover did and what it checked at the end.</summary>
public sealed record FailoverResult(
    MariaDbInstance NewPrimary,
    MariaDbInstance NewReplica,
    bool ReplicaReplicating,
    bool ReplicaReadOnly,
    TimeSpan WritesStopped,
    TimeSpan ReplicaCatchUpAfterRejoin,
    TimeSpan Total,
    IReadOnlyList<FailoverStep> Steps)
{
    public string Summary =>
        $"{NewPrimary} is primary now; {NewReplica} replicates from it (IO and SQL threads running, read_only {(ReplicaReadOnly ? "ON" : "OFF")}, checked)";
}

/// <summary>
/// What an RDS Multi-AZ failover does, on the local pair, with no acknowledged write lost: stop writes on the old
/// primary, let the replica apply everything, promote it, move the primary endpoint to it, make the old primary a
/// GTID replica of the new one, move the replica endpoint to it. Running it again fails back. Holds the
/// <see cref="ReplicationLock"/> throughout, so the AppHost's health checks do not "repair" the roles mid-way.
/// </summary>
public sealed class DataTierFailover(DataTierLayout layout, Action<FailoverStep>? progress = null)
{
    /// <summary>How long the replica may take to apply what the old primary logged before writes stopped.</summary>
    public TimeSpan CatchUpTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the endpoint owner (the AppHost) may take to acknowledge a move.</summary>
    public TimeSpan EndpointMoveTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>False when nobody owns the endpoints (a bare tier in tests): the roles file is written, no acknowledgement awaited.</summary>
    public bool WaitForEndpointOwner { get; init; } = true;

    private readonly List<FailoverStep> _steps = [];

    public async Task<FailoverResult> RunAsync(CancellationToken ct = default)
    {
        var total = Stopwatch.StartNew();
        using var held = await ReplicationLock.AcquireAsync(layout.ReplicationLockFile, TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
        var roles = layout.Roles;
        var oldPrimary = layout.Primary;
        var candidate = layout.Replica;
        var setup = new DataTierSetup(layout);

        await using var oldRoot = await OpenAsync(oldPrimary, ct).ConfigureAwait(false);
        await using var newRoot = await OpenAsync(candidate, ct).ConfigureAwait(false);

        // 0. Only a replica that replicates may be promoted: anything else could lose acknowledged writes.
        var status = await ReplicaThreadStatus.ReadAsync(newRoot, ct).ConfigureAwait(false);
        if (status is not { IoThreadRunning: true, SqlThreadRunning: true } || status.MasterPort != oldPrimary.Port)
            throw new InvalidOperationException(
                $"{candidate} is not replicating from {oldPrimary} (IO {status?.IoRunning ?? "none"}, SQL {status?.SqlRunning ?? "none"}): refusing to fail over.");
        Step("checked", TimeSpan.Zero, $"{candidate} replicates from {oldPrimary}");

        // 1. Stop writes: read_only (waits for commits in flight; bounded), then end the app's sessions, so nothing
        // keeps writing through an open connection or holds a transaction the replica never sees.
        var writesStopped = Stopwatch.StartNew();
        var clock = Stopwatch.StartNew();
        await ExecuteAsync(oldRoot, "SET SESSION lock_wait_timeout = 10", ct).ConfigureAwait(false);
        await ExecuteAsync(oldRoot, "SET GLOBAL read_only = 1", ct).ConfigureAwait(false);
        var killed = await KillClientSessionsAsync(oldRoot, ct).ConfigureAwait(false);
        Step("writes stopped on the old primary", clock.Elapsed, $"read_only ON on {oldPrimary}, {killed} client session(s) ended");

        // 2. Everything the old primary logged must be applied on the replica before it takes writes.
        clock.Restart();
        var target = await DataTierSetup.ReadGlobalVariableAsync(oldRoot, "gtid_binlog_pos", ct).ConfigureAwait(false) ?? "";
        if (!await WaitForPositionAsync(newRoot, target, CatchUpTimeout, ct).ConfigureAwait(false))
        {
            // Give the old primary its writes back: the failover did not happen.
            await ExecuteAsync(oldRoot, "SET GLOBAL read_only = 0", ct).ConfigureAwait(false);
            throw new TimeoutException($"{candidate} did not apply {target} within {CatchUpTimeout}; writes re-enabled on {oldPrimary}, no failover.");
        }
        Step("replica caught up", clock.Elapsed, $"{candidate} applied {target}");

        // 3. Promote.
        clock.Restart();
        await ExecuteAsync(newRoot, "STOP SLAVE", ct).ConfigureAwait(false);
        await ExecuteAsync(newRoot, "RESET SLAVE ALL", ct).ConfigureAwait(false);
        await ExecuteAsync(newRoot, "SET GLOBAL read_only = 0", ct).ConfigureAwait(false);
        Step("replica promoted", clock.Elapsed, $"{candidate}: replication removed, read_only OFF");

        // 4. The writer endpoint moves (RDS: the DNS name). The replica endpoint stays on the new primary for now, so
        // reads keep being served while the old primary rejoins. Option files follow, so a restart keeps the roles.
        clock.Restart();
        var promoted = roles with { Generation = roles.Generation + 1, PrimaryServerId = candidate.ServerId, ReplicaEndpointServerId = candidate.ServerId };
        await MoveEndpointsAsync(promoted, ct).ConfigureAwait(false);
        var writesUnavailable = writesStopped.Elapsed;
        Step("primary endpoint moved", clock.Elapsed, $"primary endpoint → {layout.Primary}; writes were refused for {writesUnavailable.TotalSeconds:F2} s");

        // 5. The old primary rejoins as a GTID replica of the new one. Its own binary log is its replication position
        // (it has everything up to the moment writes stopped; the new primary logged the same history, then more).
        clock.Restart();
        var newReplica = layout.Replica;
        var newPrimary = layout.Primary;
        await ExecuteAsync(oldRoot, "STOP SLAVE", ct).ConfigureAwait(false);
        await ExecuteAsync(oldRoot, "SET GLOBAL gtid_slave_pos = @@gtid_binlog_pos", ct).ConfigureAwait(false);
        await setup.ChangeMasterAsync(oldRoot, newPrimary.Port, ct).ConfigureAwait(false);
        await ExecuteAsync(oldRoot, "START SLAVE", ct).ConfigureAwait(false);
        await DataTierSetup.WaitForReplicaThreadsAsync(oldRoot, requireIoThread: true, ct).ConfigureAwait(false);
        var newPosition = await DataTierSetup.ReadGlobalVariableAsync(newRoot, "gtid_binlog_pos", ct).ConfigureAwait(false) ?? "";
        var catchUp = Stopwatch.StartNew();
        if (!await WaitForPositionAsync(oldRoot, newPosition, CatchUpTimeout, ct).ConfigureAwait(false))
            throw new TimeoutException($"{newReplica} replicates but did not reach {newPosition} within {CatchUpTimeout}.");
        var catchUpTook = catchUp.Elapsed;
        Step("old primary rejoined as replica", clock.Elapsed, $"{newReplica} replicates from {newPrimary} with GTID, at {newPosition} after {catchUpTook.TotalMilliseconds:F0} ms");

        // 6. Reads go to the replica again.
        clock.Restart();
        await MoveEndpointsAsync(promoted with { Generation = promoted.Generation + 1, ReplicaEndpointServerId = newReplica.ServerId }, ct).ConfigureAwait(false);
        Step("replica endpoint moved", clock.Elapsed, $"replica endpoint → {newReplica}");

        // 7. Check, do not assume.
        clock.Restart();
        var final = await ReplicaThreadStatus.ReadAsync(oldRoot, ct).ConfigureAwait(false);
        var readOnly = await DataTierSetup.ReadGlobalVariableAsync(oldRoot, "read_only", ct).ConfigureAwait(false);
        var primaryReadOnly = await DataTierSetup.ReadGlobalVariableAsync(newRoot, "read_only", ct).ConfigureAwait(false);
        var replicating = final is { IoThreadRunning: true, SqlThreadRunning: true } && final.MasterPort == newPrimary.Port;
        Step("checked", clock.Elapsed, $"replica IO {final?.IoRunning}, SQL {final?.SqlRunning}, read_only {readOnly}; primary read_only {primaryReadOnly}");
        if (!replicating || primaryReadOnly != "OFF")
            throw new InvalidOperationException($"After the failover: replica IO {final?.IoRunning} SQL {final?.SqlRunning} ({final?.LastIoError}{final?.LastSqlError}), primary read_only {primaryReadOnly}.");

        return new FailoverResult(newPrimary, newReplica, replicating, readOnly == "ON", writesUnavailable, catchUpTook, total.Elapsed, _steps);
    }

    private async Task MoveEndpointsAsync(DataTierRoles roles, CancellationToken ct)
    {
        roles.Save(layout.RolesFile);
        // The option files follow the roles (read_only), so a server restarted from here on keeps its new role.
        layout.Server(1).WriteConfig();
        layout.Server(2).WriteConfig();
        if (!WaitForEndpointOwner) return;
        var deadline = DateTime.UtcNow + EndpointMoveTimeout;
        while (AppliedEndpoints.Load(layout.AppliedEndpointsFile) is not { } applied || applied.Generation < roles.Generation)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"The endpoints were not moved within {EndpointMoveTimeout} (is the AppHost running? {layout.AppliedEndpointsFile}).");
            await Task.Delay(20, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Ends every client session (the app's, analytics) but replication's and our own.</summary>
    private static async Task<int> KillClientSessionsAsync(MySqlConnection root, CancellationToken ct)
    {
        var ids = new List<long>();
        await using (var list = new MySqlCommand(
            "SELECT ID FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND USER NOT IN ('system user', 'event_scheduler', @me, @repl) " +
            "AND COMMAND NOT IN ('Binlog Dump', 'Daemon')", root))
        {
            list.Parameters.AddWithValue("@me", Environment.UserName);
            list.Parameters.AddWithValue("@repl", DataTierSetup.ReplicationUser);
            await using var reader = await list.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false)) ids.Add(Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture));
        }
        var killed = 0;
        foreach (var id in ids)
        {
            try
            {
                await ExecuteAsync(root, $"KILL CONNECTION {id.ToString(CultureInfo.InvariantCulture)}", ct).ConfigureAwait(false);
                killed++;
            }
            catch (MySqlException e) when (e.ErrorCode == MySqlErrorCode.NoSuchThread)
            {
                // Ended by itself meanwhile.
            }
        }
        return killed;
    }

    private static async Task<bool> WaitForPositionAsync(MySqlConnection root, string position, TimeSpan timeout, CancellationToken ct)
    {
        if (GtidPosition.Parse(position).IsEmpty) return true;
        await using var wait = new MySqlCommand("SELECT MASTER_GTID_WAIT(@position, @seconds)", root) { CommandTimeout = (int)timeout.TotalSeconds + 5 };
        wait.Parameters.AddWithValue("@position", position);
        wait.Parameters.AddWithValue("@seconds", timeout.TotalSeconds);
        var result = await wait.ExecuteScalarAsync(ct).ConfigureAwait(false);
        return result is not null and not DBNull && Convert.ToInt64(result, CultureInfo.InvariantCulture) == 0;
    }

    private static async Task<MySqlConnection> OpenAsync(MariaDbInstance instance, CancellationToken ct)
    {
        try
        {
            return await instance.OpenRootConnectionAsync(ct).ConfigureAwait(false);
        }
        catch (MySqlException e)
        {
            throw new InvalidOperationException($"{instance} is not reachable ({e.Message}): refusing to fail over.", e);
        }
    }

    private static Task ExecuteAsync(MySqlConnection connection, string sql, CancellationToken ct) => DataTierSetup.ExecuteAsync(connection, sql, ct);

    private void Step(string name, TimeSpan took, string detail)
    {
        var step = new FailoverStep(name, took, detail);
        _steps.Add(step);
        progress?.Invoke(step);
    }
}
