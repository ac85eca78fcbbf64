namespace Groundwork.ServiceDefaults.Data;

/// <summary>Section "Database". Defaults are the safe production values.</summary>
public sealed class DatabaseOptions
{
    /// <summary>How long opening a connection may take. Short, so a dead primary fails a write in well under 2 s.</summary>
    public int ConnectTimeoutSeconds { get; set; } = 1;
    /// <summary>How long one statement may run before the request gets a clean 504.</summary>
    public int CommandTimeoutSeconds { get; set; } = 5;
    /// <summary>
    /// How long one migration statement may run (Evolve's command timeout). An ALTER of a large table takes minutes: the
    /// AWS migrate step sets this to its own timeout (deploy --migration-timeout); the default suits small schemas.
    /// </summary>
    public TimeSpan MigrationCommandTimeout { get; set; } = TimeSpan.FromSeconds(60);
    /// <summary>A replica further behind than this serves no reads; they go to the primary until it catches up.</summary>
    public TimeSpan ReplicaLagBound { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>How often the replica's reachability and lag are checked.</summary>
    public TimeSpan ReplicaCheckInterval { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>How long a read carrying a client's write position waits for the replica before using the primary.</summary>
    public TimeSpan ReadYourWritesWait { get; set; } = TimeSpan.FromMilliseconds(50);
    /// <summary>How long after its last write a client's reads carry its write position (cookie lifetime).</summary>
    public TimeSpan ReadYourWritesWindow { get; set; } = TimeSpan.FromSeconds(60);
}
