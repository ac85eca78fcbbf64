using MySqlConnector;

namespace Groundwork.ServiceDefaults.Data;

/// <summary>The writer endpoint (RDS primary; the primary mariadbd locally). Every write and read-after-write.</summary>
public sealed class PrimaryDataSource(MySqlDataSource dataSource)
{
    public MySqlDataSource DataSource { get; } = dataSource;
}

/// <summary>
/// The reader endpoint (RDS read replica; the replica mariadbd locally). Null <see cref="DataSource"/> means the
/// environment has no replica and reads go to the primary.
/// </summary>
public sealed class ReplicaDataSource(MySqlDataSource? dataSource)
{
    public MySqlDataSource? DataSource { get; } = dataSource;
}

/// <summary>Where a read was served from; recorded in metrics so "share of reads on the replica" is measurable.</summary>
public enum ReadTarget { Replica, Primary }
