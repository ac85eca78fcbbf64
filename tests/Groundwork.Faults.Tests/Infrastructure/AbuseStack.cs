namespace Groundwork.Faults.Tests.Infrastructure;

/// <summary>
/// The stack the fuzz and attack scenarios hammer: a low creation limit (so "the limit holds across instances" is
/// cheap to prove) and short-lived identity tokens with no clock skew allowance (so a replayed token expires
/// within seconds). Its own collection: the fuzz spends the edge client's creation budget, which the fault
/// scenarios' request stream needs.
/// </summary>
public sealed class AbuseStack : FaultStack
{
    public const int AbuseCreateLimit = 100;
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromSeconds(4);

    protected override IEnumerable<KeyValuePair<string, string>> Environment =>
    [
        new("GROUNDWORK_CREATE_LIMIT", AbuseCreateLimit.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("GROUNDWORK_API__Clicks__FlushInterval", "00:00:01"),
        new("GROUNDWORK_API__Clicks__MaxPendingKeys", "100000"),
        // DCP starts the edge with the AppHost's environment, so Edge__* reaches it like GROUNDWORK_API__* reaches the Api.
        new("Edge__IdentityTokenLifetime", "00:00:04"),
        new("GROUNDWORK_API__AlbIdentity__ClockSkew", "00:00:00"),
    ];
}

[CollectionDefinition(Name)]
public sealed class AbuseCollection : ICollectionFixture<AbuseStack>
{
    public const string Name = "abuse";
}
