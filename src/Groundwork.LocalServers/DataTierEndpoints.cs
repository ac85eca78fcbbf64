namespace Groundwork.LocalServers;

/// <summary>
/// The tier's two movable endpoints (primary = the RDS writer endpoint, replica = the read replica's endpoint), kept
/// where <see cref="DataTierRoles"/> says. Everything that uses the data tier's connection strings (app instances,
/// migrations) connects through these, never to a mariadbd port directly, so a failover is visible to them exactly as
/// an RDS DNS change is: their connections break, and new ones reach the new server. The owner (the AppHost) polls
/// roles.json, applies a change, and acknowledges it in endpoints.json.
/// </summary>
public sealed class DataTierEndpoints : IAsyncDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly DataTierLayout _layout;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _watching;
    private long _appliedGeneration = -1;
    private int _disposed;

    private DataTierEndpoints(DataTierLayout layout, MovableEndpoint primary, MovableEndpoint replica)
    {
        _layout = layout;
        Primary = primary;
        Replica = replica;
        Apply(layout.Roles);
        _watching = Task.Run(WatchAsync);
    }

    public MovableEndpoint Primary { get; }
    public MovableEndpoint Replica { get; }

    /// <summary>Raised after a move, with a line saying what moved (for the AppHost's log).</summary>
    public event Action<string>? Moved;

    /// <summary>Opens both endpoints (port 0: free ports) on the servers the current roles name.</summary>
    public static DataTierEndpoints Start(DataTierLayout layout, int primaryEndpointPort = 0, int replicaEndpointPort = 0)
    {
        var roles = layout.Roles;
        var primary = MovableEndpoint.Start("primary endpoint", primaryEndpointPort, layout.Server(roles.PrimaryServerId).Port);
        try
        {
            var replica = MovableEndpoint.Start("replica endpoint", replicaEndpointPort, layout.Server(roles.ReplicaEndpointServerId).Port);
            return new DataTierEndpoints(layout, primary, replica);
        }
        catch
        {
            primary.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Idempotent: a host stops its services once per StopAsync, and tests may stop a host twice.
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _watching.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await Primary.DisposeAsync().ConfigureAwait(false);
        await Replica.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task WatchAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(PollInterval, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                var roles = _layout.Roles;
                if (roles.Generation != Interlocked.Read(ref _appliedGeneration)) Apply(roles);
            }
            catch (IOException)
            {
                // The file is being replaced; the next poll reads it.
            }
        }
    }

    private void Apply(DataTierRoles roles)
    {
        var primaryTarget = _layout.Server(roles.PrimaryServerId).Port;
        var replicaTarget = _layout.Server(roles.ReplicaEndpointServerId).Port;
        var first = Interlocked.Read(ref _appliedGeneration) < 0;
        if (!first)
        {
            // Only the endpoint whose target changes drops its connections: the other one's sessions are still right.
            if (Primary.TargetPort != primaryTarget)
            {
                var reset = Primary.MoveTo(primaryTarget);
                Moved?.Invoke($"primary endpoint 127.0.0.1:{Primary.Port} → mariadbd {roles.PrimaryServerId} (:{primaryTarget}), {reset} connection(s) reset");
            }
            if (Replica.TargetPort != replicaTarget)
            {
                var reset = Replica.MoveTo(replicaTarget);
                Moved?.Invoke($"replica endpoint 127.0.0.1:{Replica.Port} → mariadbd {roles.ReplicaEndpointServerId} (:{replicaTarget}), {reset} connection(s) reset");
            }
        }
        new AppliedEndpoints(roles.Generation, Primary.Port, Primary.TargetPort, Replica.Port, Replica.TargetPort, Environment.ProcessId)
            .Save(_layout.AppliedEndpointsFile);
        Interlocked.Exchange(ref _appliedGeneration, roles.Generation);
    }
}
