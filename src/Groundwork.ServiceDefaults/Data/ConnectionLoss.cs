using System.Net.Sockets;
using MySqlConnector;

namespace Groundwork.ServiceDefaults.Data;

/// <summary>
/// The errors a failover (RDS Multi-AZ: the endpoint's DNS name moves; locally: the endpoint moves) produces on a
/// client: a session cut mid-query, a pooled connection that died while idle, the old primary refusing writes
/// (read_only) or ending sessions, a connect while the endpoint moves. Each means "this server, or this connection to
/// it, is gone": the pool's other connections to it are suspect too.
/// </summary>
public static class ConnectionLoss
{
    // MariaDB/MySQL error numbers (MySqlErrorCode's values).
    private const int CannotConnect = 1042;         // ER_BAD_HOST / UnableToConnectToHost: connect while the endpoint moves
    private const int ServerShutdown = 1053;        // ER_SERVER_SHUTDOWN
    private const int ReadOnly = 1290;              // ER_OPTION_PREVENTS_STATEMENT: --read-only, a demoted primary
    private const int QueryInterrupted = 1317;      // ER_QUERY_INTERRUPTED: KILL QUERY
    private const int ConnectionKilled = 1927;      // ER_CONNECTION_KILLED: KILL CONNECTION (sessions ended before a switch)
    private const int ServerGone = 2006;            // CR_SERVER_GONE_ERROR
    private const int ServerLost = 2013;            // CR_SERVER_LOST: lost connection during query

    public static bool IsConnectionLost(Exception exception) => exception switch
    {
        MySqlException m when (int)m.ErrorCode is CannotConnect or ServerShutdown or ReadOnly or QueryInterrupted or ConnectionKilled or ServerGone or ServerLost => true,
        // "Failed to read the result set", "Connection reset by peer": MySqlConnector wraps the socket error.
        MySqlException { InnerException: { } inner } => IsSocketLevel(inner),
        MySqlProtocolException => true,
        _ => IsSocketLevel(exception),
    };

    /// <summary>Whether the error says the server refuses writes (a demoted primary): the switch is under way.</summary>
    public static bool IsReadOnly(Exception exception) => exception is MySqlException { ErrorCode: MySqlErrorCode.OptionPreventsStatement };

    private static bool IsSocketLevel(Exception exception) =>
        exception is IOException or SocketException or EndOfStreamException
        || exception.InnerException is { } inner && (inner is ObjectDisposedException || IsSocketLevel(inner));
}
