using System.Text.RegularExpressions;
using MySqlConnector;

namespace Groundwork.ServiceDefaults.Data;

/// <summary>
/// GTID positions differ between the two servers this architecture runs on: MariaDB locally (domain-server-seq,
/// <c>MASTER_GTID_WAIT</c>) and MySQL 8.0 on RDS (uuid:interval sets, <c>WAIT_FOR_EXECUTED_GTID_SET</c>).
/// The SQL for both lives here and nowhere else.
/// </summary>
public sealed partial class ReplicationDialect
{
    public static readonly ReplicationDialect MariaDb = new(
        isMariaDb: true,
        positionAfterOwnWriteSql: "SELECT @@last_gtid",
        primaryPositionSql: "SELECT @@gtid_binlog_pos",
        waitSql: "SELECT MASTER_GTID_WAIT(@position, @seconds)");

    public static readonly ReplicationDialect MySql = new(
        isMariaDb: false,
        positionAfterOwnWriteSql: "SELECT @@GLOBAL.gtid_executed",
        primaryPositionSql: "SELECT @@GLOBAL.gtid_executed",
        waitSql: "SELECT WAIT_FOR_EXECUTED_GTID_SET(@position, @seconds)");

    private ReplicationDialect(bool isMariaDb, string positionAfterOwnWriteSql, string primaryPositionSql, string waitSql)
    {
        IsMariaDb = isMariaDb;
        PositionAfterOwnWriteSql = positionAfterOwnWriteSql;
        PrimaryPositionSql = primaryPositionSql;
        WaitSql = waitSql;
    }

    public bool IsMariaDb { get; }
    /// <summary>The position that includes this session's last commit.</summary>
    public string PositionAfterOwnWriteSql { get; }
    public string PrimaryPositionSql { get; }
    /// <summary>Waits on a replica until it applied a position; parameters @position and @seconds.</summary>
    public string WaitSql { get; }

    public static ReplicationDialect Of(MySqlConnection connection) =>
        connection.ServerVersion.Contains("MariaDB", StringComparison.OrdinalIgnoreCase) ? MariaDb : MySql;

    /// <summary>True when the wait function's result means "the replica has applied the position".</summary>
    public static bool WaitSucceeded(object? result) => result is not null and not DBNull && Convert.ToInt64(result, System.Globalization.CultureInfo.InvariantCulture) == 0;

    /// <summary>
    /// A position a client hands back to us (cookie) must look like one: it is only ever sent as a parameter, but
    /// refusing garbage early keeps the replica from parsing it at all.
    /// </summary>
    public static bool LooksLikePosition(string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= 512 && (MariaDbPosition().IsMatch(value) || MySqlGtidSet().IsMatch(value));

    [GeneratedRegex(@"^\d{1,10}-\d{1,10}-\d{1,20}(,\d{1,10}-\d{1,10}-\d{1,20})*$")]
    private static partial Regex MariaDbPosition();

    [GeneratedRegex(@"^[0-9a-fA-F-]{36}(:\d+(-\d+)?)+(,\s*[0-9a-fA-F-]{36}(:\d+(-\d+)?)+)*$")]
    private static partial Regex MySqlGtidSet();
}
