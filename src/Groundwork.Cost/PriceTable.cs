using System.Text.Json;
using System.Text.Json.Serialization;

namespace Groundwork.Cost;

/// <summary>
/// The dated on-demand price list (Cost/aws-prices.json): what the cost report multiplies the templates with. Kept as
/// data in one file so a refresh is an edit of figures, not of code.
/// </summary>
public sealed record PriceTable
{
    public const string FileName = "aws-prices.json";

    public required string AsOf { get; init; }
    public required string Currency { get; init; }
    public required double HoursPerMonth { get; init; }
    public required IReadOnlyList<string> Sources { get; init; }
    public required IReadOnlyDictionary<string, RegionPrices> Regions { get; init; }
    public required CostAssumptions Assumptions { get; init; }
    /// <summary>Types that cost nothing by themselves (a route, a security group, a listener).</summary>
    public required IReadOnlyList<string> Free { get; init; }
    /// <summary>Types that cost only with use, with the usage assumed (reported as an assumption line of $0).</summary>
    public required IReadOnlyDictionary<string, string> UsageOnly { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>The table shipped next to the tool (copied to the output folder by the project).</summary>
    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "Cost", FileName);

    public static PriceTable Load(string? path = null)
    {
        path ??= DefaultPath;
        if (!File.Exists(path))
            throw new CostException($"price table {path} not found.");
        try
        {
            return JsonSerializer.Deserialize<PriceTable>(File.ReadAllText(path), Json)
                ?? throw new CostException($"price table {path} is empty.");
        }
        catch (JsonException e)
        {
            throw new CostException($"price table {path} is not valid: {e.Message}");
        }
    }

    public RegionPrices Region(string region) =>
        Regions.TryGetValue(region, out var prices) ? prices : throw new CostException($"the price table has no prices for region {region}.");
}

/// <summary>One region's prices. Instances per hour, storage per GB-month, the rest as named.</summary>
public sealed record RegionPrices
{
    public required IReadOnlyDictionary<string, double> Ec2InstanceHour { get; init; }
    /// <summary>By engine, then class; Single-AZ (Multi-AZ is twice the instance).</summary>
    public required IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> RdsInstanceHour { get; init; }
    public required IReadOnlyDictionary<string, double> RdsStorageGbMonth { get; init; }
    public required double RdsGp3IopsMonth { get; init; }
    public required IReadOnlyDictionary<string, double> ElastiCacheNodeHour { get; init; }
    public required IReadOnlyDictionary<string, double> EbsGbMonth { get; init; }
    public required double EbsGp3IopsMonth { get; init; }
    public required double EbsGp3ThroughputMbpsMonth { get; init; }
    public required double EbsSnapshotGbMonth { get; init; }
    public required double NatGatewayHour { get; init; }
    public required double NatGatewayGb { get; init; }
    public required double PublicIpv4Hour { get; init; }
    public required double AlbHour { get; init; }
    public required double NlbHour { get; init; }
    public required double LcuHour { get; init; }
    public required double NlcuHour { get; init; }
    public required double InterfaceEndpointAzHour { get; init; }
    public required double SecretMonth { get; init; }
    public required double KmsKeyMonth { get; init; }
    public required double AlarmMetricMonth { get; init; }
    public required double AlarmHighResolutionMetricMonth { get; init; }
    public required double CompositeAlarmMonth { get; init; }
    public required double DetailedMonitoringInstanceMonth { get; init; }
    public required double LogsIngestGb { get; init; }
    public required double VendedLogsS3Gb { get; init; }
    public required double S3StandardGbMonth { get; init; }
    public required double Route53HostedZoneMonth { get; init; }
    public required double WafWebAclMonth { get; init; }
    public required double WafRuleMonth { get; init; }
    public required double SsmAdvancedParameterMonth { get; init; }
}

/// <summary>The usage figures assumed where a cost depends on traffic or data, each named in the report.</summary>
public sealed record CostAssumptions
{
    public required double NatGatewayGbPerMonth { get; init; }
    public required double LoadBalancerCapacityUnits { get; init; }
    public required double FlowLogGbPerMonth { get; init; }
    public required double S3GbPerBucket { get; init; }
    /// <summary>How much of an EBS data volume its snapshots hold (used blocks; daily increments are small).</summary>
    public required double SnapshotShareOfVolume { get; init; }
    /// <summary>The root volume of an instance whose template names none: the AMI's (Amazon Linux 2023: 8 GiB gp3).</summary>
    public required int AmiRootGiB { get; init; }
    /// <summary>
    /// The hours a month an Auto Scaling group of minimum 0 runs one instance: the Jenkins build agent, which the
    /// controller's EC2 Fleet cloud starts for queued builds and stops after 15 idle minutes (docs/decisions.md, Cost).
    /// </summary>
    public required double ScaleFromZeroHoursPerMonth { get; init; }
}

/// <summary>A cost report that cannot be made (missing price table, unreadable cloud assembly): one line for the operator.</summary>
public sealed class CostException(string message) : Exception(message);
