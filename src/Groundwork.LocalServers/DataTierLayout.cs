using System.Net;
using System.Net.Sockets;

namespace Groundwork.LocalServers;

/// <summary>
/// Where the one-machine data tier lives: a root directory holding one sub-directory per server, and the three
/// TCP ports on 127.0.0.1. Everything else (configs, sockets, credentials) is derived from these four values.
/// </summary>
public sealed record DataTierLayout(string RootDirectory, int PrimaryPort, int ReplicaPort, int RedisPort)
{
    public MariaDbInstance Primary { get; } =
        new(MariaDbRole.Primary, Path.Combine(Path.GetFullPath(RootDirectory), "primary"), PrimaryPort);

    public MariaDbInstance Replica { get; } =
        new(MariaDbRole.Replica, Path.Combine(Path.GetFullPath(RootDirectory), "replica"), ReplicaPort);

    public RedisInstance Redis { get; } =
        new(Path.Combine(Path.GetFullPath(RootDirectory), "redis"), RedisPort);

    /// <summary>The file holding the generated passwords of this tier (mode 0600, never in the repo).</summary>
    public string CredentialsFile => Path.Combine(Path.GetFullPath(RootDirectory), "credentials.json");

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
