using System.Net;
using System.Net.Sockets;

namespace Groundwork.LocalServers;

/// <summary>
/// Where the one-machine data tier lives: a root directory holding one sub-directory per server, and the three
/// TCP ports on 127.0.0.1. Everything else (configs, sockets, credentials) is derived from these four values.
/// </summary>
public sealed record DataTierLayout(string RootDirectory, int PrimaryPort, int ReplicaPort, int RedisPort)
{
    // Computed, not stored: a `with` copy of the record must describe its own ports, and equality stays by value.
    public MariaDbInstance Primary => new(MariaDbRole.Primary, Path.Combine(FullRoot, "primary"), PrimaryPort);

    public MariaDbInstance Replica => new(MariaDbRole.Replica, Path.Combine(FullRoot, "replica"), ReplicaPort);

    public RedisInstance Redis => new(Path.Combine(FullRoot, "redis"), RedisPort);

    private string FullRoot => Path.GetFullPath(RootDirectory);

    /// <summary>The file holding the generated passwords of this tier (mode 0600, never in the repo).</summary>
    public string CredentialsFile => Path.Combine(FullRoot, "credentials.json");

    /// <summary>The local Secrets Manager stand-in's store (mode 0600): the app and analytics users' secrets.</summary>
    public string SecretsFile => Path.Combine(FullRoot, "secrets", "secrets.json");

    /// <summary>
    /// Everything a server needs before it can be started by someone else (Aspire's DCP): directories, option files,
    /// both data directories initialised in parallel, the credentials file. Idempotent.
    /// </summary>
    public async Task PrepareAsync(CancellationToken ct)
    {
        DataTierCredentials.LoadOrCreate(CredentialsFile);
        Directory.CreateDirectory(Redis.WorkingDirectory);
        await Task.WhenAll(Primary.InitializeAsync(ct), Replica.InitializeAsync(ct)).ConfigureAwait(false);
    }

    /// <summary>A layout under <paramref name="rootDirectory"/> with three currently free ports on 127.0.0.1.</summary>
    public static DataTierLayout ForTests(string rootDirectory)
    {
        var ports = FreePorts.Take(3);
        return new DataTierLayout(rootDirectory, ports[0], ports[1], ports[2]);
    }
}

/// <summary>Finds free TCP ports on the loopback by letting the kernel pick them.</summary>
internal static class FreePorts
{
    public static int[] Take(int count)
    {
        // Hold all listeners open until every port is chosen, so the kernel cannot hand out the same port twice.
        var listeners = new List<TcpListener>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
            }
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            foreach (var listener in listeners) listener.Stop();
        }
    }
}
