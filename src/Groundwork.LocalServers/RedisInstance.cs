using System.Globalization;

namespace Groundwork.LocalServers;

/// <summary>
/// The redis-server of the tier: a cache, so nothing is persisted (no RDB, no AOF), loopback only.
/// </summary>
public sealed class RedisInstance
{
    internal RedisInstance(string directory, int port)
    {
        WorkingDirectory = directory;
        Port = port;
    }

    public string WorkingDirectory { get; }
    public int Port { get; }
    public string LogFile => Path.Combine(WorkingDirectory, "redis.log");
    public string PidFile => Path.Combine(WorkingDirectory, "redis.pid");
    public string ServerExecutable => ExecutableLocator.Find("redis-server");

    /// <summary>
    /// Logs go to stdout (so Aspire shows them); <see cref="LocalDataTier"/> adds <c>--logfile</c> itself.
    /// </summary>
    public IReadOnlyList<string> ServerArguments =>
    [
        "--port", Port.ToString(CultureInfo.InvariantCulture),
        "--bind", "127.0.0.1",
        "--dir", WorkingDirectory,
        "--daemonize", "no",
        "--save", "",
        "--appendonly", "no",
        // Without this a replica (if one is ever attached) waits 5 s before the first sync.
        "--repl-diskless-sync-delay", "0",
    ];

    public string ConnectionString => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)},abortConnect=false";
}
