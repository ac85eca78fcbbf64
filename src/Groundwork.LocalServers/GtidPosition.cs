using System.Globalization;

namespace Groundwork.LocalServers;

/// <summary>
/// A MariaDB GTID position such as <c>0-1-42,1-1-7</c>: per replication domain, the last sequence number.
/// Used to decide whether the replica has applied everything the primary has logged, without a SELECT on the replica.
/// </summary>
public sealed class GtidPosition
{
    private readonly Dictionary<uint, ulong> _sequenceByDomain;
    private readonly string _text;

    private GtidPosition(Dictionary<uint, ulong> sequenceByDomain, string text)
    {
        _sequenceByDomain = sequenceByDomain;
        _text = text;
    }

    public bool IsEmpty => _sequenceByDomain.Count == 0;

    public static GtidPosition Parse(string? text)
    {
        var byDomain = new Dictionary<uint, ulong>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = part.Split('-');
            if (fields.Length != 3) throw new FormatException($"Not a GTID: '{part}'.");
            var domain = uint.Parse(fields[0], CultureInfo.InvariantCulture);
            var sequence = ulong.Parse(fields[2], CultureInfo.InvariantCulture);
            byDomain[domain] = Math.Max(sequence, byDomain.GetValueOrDefault(domain));
        }
        return new GtidPosition(byDomain, text ?? "");
    }

    /// <summary>True when, in every domain of <paramref name="target"/>, this position is at or past it.</summary>
    public bool Includes(GtidPosition target) =>
        target._sequenceByDomain.All(t => _sequenceByDomain.TryGetValue(t.Key, out var mine) && mine >= t.Value);

    public override string ToString() => _text;
}
