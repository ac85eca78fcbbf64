using System.Globalization;
using System.Text;

namespace Groundwork.LocalServers;

/// <summary>
/// The redis-server of the tier: a cache, so nothing is persisted (no RDB, no AOF), loopback only. Like an ElastiCache
/// replication group with in-transit encryption and an AUTH token: TLS only (no plain-text port) and a password.
/// </summary>
public sealed class RedisInstance
{
    private readonly string _credentialsFile;

    internal RedisInstance(string directory, int port, DataTierCertificates certificates, string credentialsFile)
    {
        WorkingDirectory = directory;
        Port = port;
        Certificates = certificates;
        _credentialsFile = credentialsFile;
    }

    public string WorkingDirectory { get; }
    /// <summary>The TLS port (redis-server's <c>tls-port</c>; <c>port</c> is 0: no plain-text listener).</summary>
    public int Port { get; }
    public DataTierCertificates Certificates { get; }
    public string LogFile => Path.Combine(WorkingDirectory, "redis.log");
    public string PidFile => Path.Combine(WorkingDirectory, "redis.pid");
    /// <summary>The settings that hold the password (mode 0600): not on the command line, where ps and Aspire show it.</summary>
    public string ConfigFile => Path.Combine(WorkingDirectory, "redis.conf");
    public string ServerExecutable => ExecutableLocator.Find("redis-server");

    /// <summary>The AUTH password (credentials.json, generated on first start).</summary>
    public string Password => DataTierCredentials.LoadOrCreate(_credentialsFile).RedisPassword;

    /// <summary>
    /// The config file first (it must be), then the settings without secrets. Logs go to stdout (so Aspire shows them);
    /// <see cref="LocalDataTier"/> adds <c>--logfile</c> itself. Call <see cref="WriteConfig"/> before starting.
    /// </summary>
    public IReadOnlyList<string> ServerArguments =>
    [
        ConfigFile,
        // No plain-text listener at all: a client without TLS finds nothing to talk to.
        "--port", "0",
        "--tls-port", Port.ToString(CultureInfo.InvariantCulture),
        "--tls-cert-file", Certificates.ServerCertificateFile,
        "--tls-key-file", Certificates.ServerKeyFile,
        "--tls-ca-cert-file", Certificates.CaFile,
        // Clients authenticate with the password, not with certificates (ElastiCache does not do mutual TLS).
        "--tls-auth-clients", "no",
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

    /// <summary>Writes <see cref="ConfigFile"/> (0600) with the password. Idempotent.</summary>
    public void WriteConfig()
    {
        Directory.CreateDirectory(WorkingDirectory);
        var content = new StringBuilder()
            .AppendLine("# Written by Groundwork.LocalServers on every start. Local use only; the rest is on the command line.")
            .AppendLine(CultureInfo.InvariantCulture, $"requirepass {Password}")
            .ToString();
        if (File.Exists(ConfigFile) && File.ReadAllText(ConfigFile) == content) return;
        var temporary = ConfigFile + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
            writer.Write(content);
        File.Move(temporary, ConfigFile, overwrite: true);
    }

    /// <summary>
    /// The AWS options (AppServerUserData: <c>host:port,ssl=true,password=…</c>). The CA is not in it (StackExchange.Redis
    /// has no connection-string key for one): clients trust <see cref="DataTierCertificates.CaFile"/> through
    /// <c>Cache:RedisCaFile</c>; in AWS the ElastiCache chain is publicly trusted and that key is unset.
    /// </summary>
    public string ConnectionString => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)},ssl=true,password={Password},abortConnect=false";
}
