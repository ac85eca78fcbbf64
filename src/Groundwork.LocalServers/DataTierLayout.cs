using System.Net;
using System.Net.Sockets;
using Groundwork.Workspace;

namespace Groundwork.LocalServers;

/// <summary>
/// Where the one-machine data tier lives: a root directory holding one sub-directory per server, and the three
/// TCP ports on 127.0.0.1. Everything else (configs, sockets, credentials) is derived from these four values.
/// </summary>
public sealed record DataTierLayout(string RootDirectory, int PrimaryPort, int ReplicaPort, int RedisPort)
{
    // Computed, not stored: a `with` copy of the record must describe its own ports, and equality stays by value.
    // PrimaryPort and ReplicaPort are the ports of server 1 (directory primary/) and server 2 (replica/), the roles they
    // start with. After a failover the roles are swapped (roles.json): Primary and Replica always name the current ones.

    /// <summary>The server that is the primary now.</summary>
    public MariaDbInstance Primary => Server(Roles.PrimaryServerId);

    /// <summary>The server that is the replica now (or is being made one during a failover).</summary>
    public MariaDbInstance Replica => Server(Roles.ReplicaServerId);

    /// <summary>Server 1 (directory primary/, server_id 1) or 2 (replica/, server_id 2), with its current role.</summary>
    public MariaDbInstance Server(int serverId)
    {
        var role = Roles.PrimaryServerId == serverId ? MariaDbRole.Primary : MariaDbRole.Replica;
        return serverId switch
        {
            1 => new(role, Path.Combine(FullRoot, "primary"), PrimaryPort, 1, Certificates),
            2 => new(role, Path.Combine(FullRoot, "replica"), ReplicaPort, 2, Certificates),
            _ => throw new ArgumentOutOfRangeException(nameof(serverId), serverId, "The tier has servers 1 and 2."),
        };
    }

    /// <summary>The current roles (roles.json; the initial ones when there is none).</summary>
    public DataTierRoles Roles => DataTierRoles.Load(RolesFile);

    public string RolesFile => Path.Combine(FullRoot, DataTierRoles.FileName);

    /// <summary>Written by the endpoint owner after it applied a roles change.</summary>
    public string AppliedEndpointsFile => Path.Combine(FullRoot, DataTierRoles.AppliedFileName);

    /// <summary>Held by whoever changes replication (a failover); health-check repairs skip while it is held.</summary>
    public string ReplicationLockFile => Path.Combine(FullRoot, "replication.lock");

    public RedisInstance Redis => new(Path.Combine(FullRoot, "redis"), RedisPort, Certificates, CredentialsFile);

    /// <summary>The tier's CA and server certificate (<c>tls/</c>), made on first start.</summary>
    public DataTierCertificates Certificates => new(Path.Combine(FullRoot, "tls"));

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
        Certificates.Ensure();
        Redis.WriteConfig();
        await Task.WhenAll(Server(1).InitializeAsync(ct), Server(2).InitializeAsync(ct)).ConfigureAwait(false);
    }

    /// <summary>
    /// The layout of a running tier from its directory alone (for tools such as the failover command): each mariadbd
    /// is asked for its port over its unix socket. The Redis port is not needed by such tools and is 0.
    /// </summary>
    public static async Task<DataTierLayout> DiscoverAsync(string rootDirectory, CancellationToken ct)
    {
        var probe = new DataTierLayout(rootDirectory, 0, 0, 0);
        var ports = new int[2];
        for (var id = 1; id <= 2; id++)
        {
            var server = probe.Server(id);
            try
            {
                await using var root = await server.OpenRootConnectionAsync(ct).ConfigureAwait(false);
                ports[id - 1] = int.Parse(await DataTierSetup.ReadGlobalAsync(root, "SHOW GLOBAL VARIABLES", "port", ct).ConfigureAwait(false) ?? "0",
                    System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (MySqlConnector.MySqlException e)
            {
                throw new InvalidOperationException($"mariadbd {id} of {rootDirectory} is not running ({e.Message}).", e);
            }
        }
        return new DataTierLayout(rootDirectory, ports[0], ports[1], 0);
    }

    /// <summary>A layout under <paramref name="rootDirectory"/> with three currently free ports on 127.0.0.1.</summary>
    public static DataTierLayout ForTests(string rootDirectory)
    {
        var ports = FreePorts.Take(3);
        return new DataTierLayout(rootDirectory, ports[0], ports[1], ports[2]);
    }
}
