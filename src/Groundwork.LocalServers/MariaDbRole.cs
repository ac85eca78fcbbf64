namespace Groundwork.LocalServers;

/// <summary>The part a mariadbd plays in the pair. It decides server id and read-only mode.</summary>
public enum MariaDbRole
{
    Primary,
    Replica,
}
