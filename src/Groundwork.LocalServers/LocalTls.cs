namespace Groundwork.LocalServers;

/// <summary>
/// What a local client of the data tier needs beyond its connection strings to trust the servers: the tier's CA for
/// Redis (MySqlConnector takes its CA in the connection string, <c>SslCa=</c>; StackExchange.Redis has no such key).
/// In AWS the ElastiCache certificate chains to a public root, so the key is unset there.
/// </summary>
public static class LocalTls
{
    /// <summary>The app's configuration key for a CA file Redis's certificate must chain to (env var form).</summary>
    public const string RedisCaFileVariable = "Cache__RedisCaFile";

    public static IReadOnlyDictionary<string, string> ClientEnvironment(DataTierLayout layout) => ClientEnvironment(layout.Certificates.CaFile);

    public static IReadOnlyDictionary<string, string> ClientEnvironment(string caFile) => new Dictionary<string, string>
    {
        [RedisCaFileVariable] = caFile,
    };
}
