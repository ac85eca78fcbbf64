using MySqlConnector;
using StackExchange.Redis;

namespace Groundwork.ServiceDefaults.Errors;

/// <summary>Recognises the exceptions that mean "a dependency is down or slow", as opposed to a bug.</summary>
public sealed record DependencyFailure(int Status, string Title, string Detail, int RetryAfterSeconds)
{
    public static DependencyFailure? Classify(Exception exception) => exception switch
    {
        DatabaseUnavailableException e => new(503, "Database unavailable", e.Message, 5),
        // The detail names the secret and what is wrong with it, never its value; operators see it in /health/ready too.
        Data.Credentials.DatabaseCredentialsException => new(503, "Database credentials unavailable", "The database credentials cannot be read right now.", 30),
        MySqlException { ErrorCode: MySqlErrorCode.CommandTimeoutExpired } => new(504, "Database timeout", "The database did not answer in time.", 5),
        MySqlException { IsTransient: true } => new(503, "Database unavailable", "The database is not reachable right now.", 5),
        MySqlException { ErrorCode: MySqlErrorCode.UnableToConnectToHost } => new(503, "Database unavailable", "The database is not reachable right now.", 5),
        MySqlException { ErrorCode: MySqlErrorCode.OptionPreventsStatement } => new(503, "Database read-only", "The database refuses writes right now (failover in progress).", 5),
        MySqlException { ErrorCode: MySqlErrorCode.LockWaitTimeout } => new(503, "Database busy", "The data is locked by another operation.", 2),
        MySqlProtocolException => new(503, "Database unavailable", "The connection to the database broke.", 5),
        // A session cut by a failover or a server going away: the next attempt reaches the server that serves now.
        MySqlException e when Data.ConnectionLoss.IsConnectionLost(e) => new(503, "Database unavailable", "The connection to the database broke (failover or restart). Retry shortly.", 2),
        RedisException or RedisTimeoutException => new(503, "Cache unavailable", "The shared cache is not reachable right now.", 5),
        TimeoutException => new(504, "Dependency timeout", "A dependency did not answer in time.", 5),
        InvalidOperationException { InnerException: { } inner } => Classify(inner),
        // The database connection's socket cut (a failover resets it) surfaces raw from MySqlConnector at times.
        System.Net.Sockets.SocketException or EndOfStreamException => new(503, "Database unavailable", "The connection to the database broke (failover or restart). Retry shortly.", 2),
        _ => null,
    };
}

/// <summary>Thrown when a required database is known to be down (e.g. the primary for a write).</summary>
public sealed class DatabaseUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
