using System.Text.Json;

namespace Groundwork.LocalServers;

/// <summary>
/// Which mariadbd each of the tier's two endpoints leads to: the local counterpart of the RDS writer endpoint and the
/// replica's endpoint (DNS names that a Multi-AZ failover moves). Kept in <c>{data dir}/roles.json</c>, written by the
/// failover (<see cref="DataTierFailover"/>) and watched by whoever owns the endpoints (<see cref="DataTierEndpoints"/>,
/// in the AppHost). Being a file, the roles survive a restart with the data directory kept. No file means the initial
/// roles: server 1 (directory primary/) is the primary, server 2 (replica/) the replica.
/// </summary>
/// <param name="Generation">Grows by one with every change, so the endpoint owner can acknowledge exactly this change.</param>
/// <param name="PrimaryServerId">The server the primary endpoint leads to; it is the primary.</param>
/// <param name="ReplicaEndpointServerId">
/// The server the replica endpoint leads to. Equal to the primary only for the moment of a failover between promoting the
/// replica and the old primary rejoining as a replica (reads are then served by the new primary).
/// </param>
public sealed record DataTierRoles(long Generation, int PrimaryServerId, int ReplicaEndpointServerId)
{
    public const string FileName = "roles.json";
    public const string AppliedFileName = "endpoints.json";

    public static readonly DataTierRoles Initial = new(0, 1, 2);

    /// <summary>The server that is not the primary (the replica, or the one being made a replica).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int ReplicaServerId => PrimaryServerId == 1 ? 2 : 1;

    public static DataTierRoles Load(string path)
    {
        try
        {
            var roles = File.Exists(path) ? JsonSerializer.Deserialize<DataTierRoles>(File.ReadAllText(path), JsonSerializerOptions.Web) : null;
            return roles is { PrimaryServerId: 1 or 2, ReplicaEndpointServerId: 1 or 2 } ? roles : Initial;
        }
        catch (JsonException)
        {
            // Never seen half-written (Save renames into place), but a hand-edited file must not take the tier down.
            return Initial;
        }
    }

    /// <summary>Writes atomically (temporary file + rename): a watcher never reads half a file.</summary>
    public void Save(string path) => WriteAtomically(path, JsonSerializer.Serialize(this, JsonSerializerOptions.Web));

    internal static void WriteAtomically(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }
}

/// <summary>What the endpoint owner has applied: written after every move, read by the failover to know the move is done.</summary>
/// <param name="Generation">The <see cref="DataTierRoles.Generation"/> applied.</param>
public sealed record AppliedEndpoints(long Generation, int PrimaryEndpointPort, int PrimaryTargetPort, int ReplicaEndpointPort, int ReplicaTargetPort, int OwnerPid)
{
    public static AppliedEndpoints? Load(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<AppliedEndpoints>(File.ReadAllText(path), JsonSerializerOptions.Web) : null;
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return null;
        }
    }

    public void Save(string path) => DataTierRoles.WriteAtomically(path, JsonSerializer.Serialize(this, JsonSerializerOptions.Web));
}
