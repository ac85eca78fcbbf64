namespace Groundwork.ServiceDefaults.Data;

/// <summary>
/// What a committed write returns: its result and the primary's replication position that includes it (null when it
/// could not be read). The endpoint hands the position to the client (read-your-writes); the data layer never touches
/// the HTTP response.
/// </summary>
public sealed record Written<T>(T Value, string? Position);

/// <summary>
/// The position the current unit of work's reads must see: the client's last write, as its request carried it (or as
/// a write earlier in the same request produced it). Answered by the HTTP layer
/// (<see cref="Groundwork.ServiceDefaults.ReadYourWrites.ClientPositions"/>); null outside a request.
/// </summary>
public interface IClientPosition
{
    string? RequiredPosition { get; }
}
