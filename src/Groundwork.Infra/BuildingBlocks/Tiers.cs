namespace Groundwork.Infra.BuildingBlocks;

/// <summary>The subnet tiers of every environment VPC (names are the CDK subnet group names).</summary>
public static class Tiers
{
    public const string Public = "public";
    public const string App = "app";
    public const string Data = "data";
    /// <summary>The management VPC's private tier (Jenkins, Sentry).</summary>
    public const string Tools = "tools";
}
