using System.Text.RegularExpressions;
using MySqlConnector;

namespace Groundwork.ServiceDefaults.Data;

/// <summary>
/// The replication SQL of the one engine this architecture runs: MariaDB (RDS for MariaDB 10.11 in AWS, mariadbd 10.11
/// locally). GTID positions are domain-server-seq lists; a replica waits for one with <c>MASTER_GTID_WAIT</c>. None of
/// it needs a privilege, so the app user has DML only. The MySQL branch (uuid:interval sets,
/// <c>WAIT_FOR_EXECUTED_GTID_SET</c>) is gone with MySQL: it had never run against a server.
/// </summary>
public sealed partial class ReplicationDialect
{
    public static readonly ReplicationDialect MariaDb = new();

    private ReplicationDialect()
    {
    }

    /// <summary>The position that includes this session's last commit.</summary>
    public string PositionAfterOwnWriteSql => "SELECT @@last_gtid";
    /// <summary>Sent in the same command right after an INSERT: its auto-increment id and the GTID of its commit.</summary>
    public string IdAndPositionAfterInsertSql => "SELECT LAST_INSERT_ID(), @@last_gtid";
    public string PrimaryPositionSql => "SELECT @@gtid_binlog_pos";
    /// <summary>Waits on a replica until it applied a position; parameters @position and @seconds.</summary>
    public string WaitSql => "SELECT MASTER_GTID_WAIT(@position, @seconds)";

    /// <summary>The dialect of a connected server; anything but MariaDB is a configuration error, said plainly.</summary>
    public static ReplicationDialect Of(MySqlConnection connection) =>
        connection.ServerVersion.Contains("MariaDB", StringComparison.OrdinalIgnoreCase)
            ? MariaDb
            : throw new InvalidOperationException($"The database server is not MariaDB ({connection.ServerVersion}); this app runs on MariaDB only.");

    /// <summary>True when the wait function's result means "the replica has applied the position".</summary>
    public static bool WaitSucceeded(object? result) => result is not null and not DBNull && Convert.ToInt64(result, System.Globalization.CultureInfo.InvariantCulture) == 0;

    /// <summary>
    /// A position a client hands back to us (cookie) must look like one: it is only ever sent as a parameter, but
    /// refusing garbage early keeps the replica from parsing it at all.
    /// </summary>
    public static bool LooksLikePosition(string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= 512 && MariaDbPosition().IsMatch(value);

    [GeneratedRegex(@"^\d{1,10}-\d{1,10}-\d{1,20}(,\d{1,10}-\d{1,10}-\d{1,20})*$")]
    private static partial Regex MariaDbPosition();
}
