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
        // Like ElastiCache (default parameter group: volatile-lru, maxmemory = node memory less the reserved 25 %): a
        // cache with a memory bound that evicts the least recently used keys with a TTL (every cache entry and rate
        // limit window has one) instead of growing with the traffic.
        "--maxmemory", MaxMemory,
        "--maxmemory-policy", "volatile-lru",
        // Without this a replica (if one is ever attached) waits 5 s before the first sync.
        "--repl-diskless-sync-delay", "0",
    ];

    /// <summary>Redis's memory bound: about what staging's cache.t3.micro leaves for data (0.5 GiB less 25 % reserved).</summary>
    public const string MaxMemory = "256mb";

    public string ConnectionString => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)},abortConnect=false";
}
