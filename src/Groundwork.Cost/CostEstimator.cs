using System.Globalization;
using System.Text.Json.Nodes;

namespace Groundwork.Cost;

public enum CostKind
{
    /// <summary>Follows from the template and the price table alone (instances, storage, hours).</summary>
    Fixed,
    /// <summary>Depends on usage; the figure assumed is part of the line (NAT data, LCUs, logs, snapshots).</summary>
    Assumed,
    /// <summary>A resource type the price table does not know: reported, not silently free.</summary>
    Unpriced,
}

/// <summary>One line of an environment's bill: quantity × unit price a month.</summary>
public sealed record CostLine(string Item, double Quantity, string Unit, double UnitMonthlyUsd, CostKind Kind, string Note = "")
{
    public double MonthlyUsd => Math.Round(Quantity * UnitMonthlyUsd, 2);
}

public sealed record EnvironmentCost(string Name, IReadOnlyList<string> Regions, IReadOnlyList<CostLine> Lines)
{
    public double MonthlyUsd => Math.Round(Lines.Sum(l => l.MonthlyUsd), 2);
    public IEnumerable<CostLine> Unpriced => Lines.Where(l => l.Kind == CostKind.Unpriced);
}

/// <summary>
/// The monthly on-demand cost of each environment, read from the synthesized templates only: instance types in launch
/// templates × Auto Scaling capacity, RDS classes × Multi-AZ and storage, ElastiCache nodes, NAT, public IPv4, load
/// balancers, endpoints, EBS, secrets, keys, alarms… Usage-driven costs are lines with the usage assumed.
/// </summary>
public sealed class CostEstimator(PriceTable prices)
{
    public IReadOnlyList<EnvironmentCost> Estimate(CloudAssembly assembly) =>
        assembly.Stacks.GroupBy(s => s.Environment)
            .Select(g => new EnvironmentCost(g.Key, g.Select(s => s.Region).Distinct().Order().ToList(),
                Merge(g.SelectMany(s => StackLines(assembly, s)))))
            .OrderBy(e => EnvironmentOrder(e.Name)).ThenBy(e => e.Name, StringComparer.Ordinal)
            .ToList();

    private static int EnvironmentOrder(string name) => name switch { "staging" => 0, "production" => 1, "management" => 2, _ => 3 };

    /// <summary>Same item, unit and price: one line (six secrets are one line of 6, not six lines); largest first.</summary>
    private static List<CostLine> Merge(IEnumerable<CostLine> lines) =>
        lines.GroupBy(l => (l.Item, l.Unit, l.UnitMonthlyUsd, l.Kind, l.Note))
            .Select(g => g.First() with { Quantity = g.Sum(l => l.Quantity) })
            .OrderByDescending(l => l.MonthlyUsd).ThenBy(l => l.Kind).ThenBy(l => l.Item, StringComparer.Ordinal)
            .ToList();

    private IEnumerable<CostLine> StackLines(CloudAssembly assembly, StackTemplate stack)
    {
        var region = prices.Region(stack.Region);
        var hours = prices.HoursPerMonth;
        var assumed = prices.Assumptions;
        foreach (var (id, type, p) in stack.Resources)
        {
            IEnumerable<CostLine> lines = type switch
            {
                "AWS::AutoScaling::AutoScalingGroup" => AutoScalingGroup(assembly, stack, region, id, p),
                "AWS::EC2::Instance" => Instance(assembly, stack, region, id, p),
                "AWS::RDS::DBInstance" => DatabaseInstance(stack, region, id, p),
                "AWS::ElastiCache::ReplicationGroup" => CacheNodes(region, id, (string?)p["CacheNodeType"],
                    Int(p["NumCacheClusters"]) ?? (Int(p["NumNodeGroups"]) ?? 1) * ((Int(p["ReplicasPerNodeGroup"]) ?? 0) + 1)),
                "AWS::ElastiCache::CacheCluster" => CacheNodes(region, id, (string?)p["CacheNodeType"], Int(p["NumCacheNodes"]) ?? 1),
                "AWS::EC2::NatGateway" =>
                [
                    new("NAT gateways", 1, "gateway", region.NatGatewayHour * hours, CostKind.Fixed),
                    new("NAT gateway data processing", assumed.NatGatewayGbPerMonth, "GB processed (assumed per gateway)", region.NatGatewayGb, CostKind.Assumed),
                ],
                "AWS::EC2::EIP" => [PublicIpv4(region, 1)],
                "AWS::ElasticLoadBalancingV2::LoadBalancer" => LoadBalancer(region, id, p),
                "AWS::EC2::VPCEndpoint" => (string?)p["VpcEndpointType"] is "Interface" or "GatewayLoadBalancer"
                    ? [new("VPC interface endpoints", Count(p["SubnetIds"]), "endpoint-AZ", region.InterfaceEndpointAzHour * hours, CostKind.Fixed)]
                    : [],
                "AWS::EC2::Volume" => Ebs("EBS data volumes", region, (string?)p["VolumeType"] ?? "gp2", Int(p["Size"]) ?? 0, Int(p["Iops"]), Int(p["Throughput"])),
                "AWS::SecretsManager::Secret" => [new("Secrets Manager secrets", 1, "secret", region.SecretMonth, CostKind.Fixed)],
                "AWS::KMS::Key" => [new("KMS customer managed keys", 1, "key", region.KmsKeyMonth, CostKind.Fixed)],
                "AWS::CloudWatch::Alarm" => Alarm(region, p),
                "AWS::CloudWatch::CompositeAlarm" => [new("CloudWatch composite alarms", 1, "alarm", region.CompositeAlarmMonth, CostKind.Fixed)],
                "AWS::Route53::HostedZone" => [new("Route 53 hosted zones", 1, "zone", region.Route53HostedZoneMonth, CostKind.Fixed)],
                "AWS::WAFv2::WebACL" =>
                [
                    new("WAF web ACLs", 1, "web ACL", region.WafWebAclMonth, CostKind.Fixed),
                    new("WAF rules", Count(p["Rules"]), "rule", region.WafRuleMonth, CostKind.Fixed),
                ],
                "AWS::SSM::Parameter" => (string?)p["Tier"] == "Advanced"
                    ? [new("SSM advanced parameters", 1, "parameter", region.SsmAdvancedParameterMonth, CostKind.Fixed)]
                    : [],
                "AWS::EC2::FlowLog" => [(string?)p["LogDestinationType"] == "s3"
                    ? new("VPC flow logs to S3", assumed.FlowLogGbPerMonth, "GB delivered (assumed per flow log)", region.VendedLogsS3Gb, CostKind.Assumed)
                    : new("VPC flow logs to CloudWatch Logs", assumed.FlowLogGbPerMonth, "GB ingested (assumed per flow log)", region.LogsIngestGb, CostKind.Assumed)],
                "AWS::Backup::BackupPlan" => [new("AWS Backup snapshots of EBS data volumes",
                    stack.Resources.Where(r => r.Type == "AWS::EC2::Volume").Sum(r => Int(r.Properties["Size"]) ?? 0) * assumed.SnapshotShareOfVolume,
                    $"GB-month (assumed: {assumed.SnapshotShareOfVolume.ToString("P0", CultureInfo.InvariantCulture)} of the data volumes in use)",
                    region.EbsSnapshotGbMonth, CostKind.Assumed)],
                "AWS::S3::Bucket" => [new("S3 storage", assumed.S3GbPerBucket, "GB Standard (assumed per bucket)", region.S3StandardGbMonth, CostKind.Assumed)],
                _ when prices.UsageOnly.TryGetValue(type, out var note) => [new($"{type} (usage)", 1, "resource", 0, CostKind.Assumed, note)],
                _ when prices.Free.Contains(type) || type.StartsWith("Custom::", StringComparison.Ordinal) => [],
                _ => [new($"Unpriced: {type}", 1, "resource", 0, CostKind.Unpriced, $"{stack.Name}/{id}")],
            };
            foreach (var line in lines)
                yield return line;
        }
    }

    private IEnumerable<CostLine> AutoScalingGroup(CloudAssembly assembly, StackTemplate stack, RegionPrices region, string id, JsonObject p)
    {
        var name = Literal(p["AutoScalingGroupName"]) ?? id;
        // What runs at the base size: the desired capacity, else the minimum (scaling beyond it is usage).
        var capacity = Int(p["DesiredCapacity"]) ?? Int(p["MinSize"]) ?? 0;
        var template = assembly.Resolve(stack, p["LaunchTemplate"]?["LaunchTemplateId"]);
        if (template?.Resource["Properties"]?["LaunchTemplateData"] is not JsonObject data)
            return [new("Unpriced: Auto Scaling group without a launch template in this app", capacity, "instance", 0, CostKind.Unpriced, $"{stack.Name}/{id}")];
        var subnets = Array(p["VPCZoneIdentifier"]).Select(s => assembly.Resolve(stack, s)).ToList();
        var publicAddress = AssociatesPublicAddress(data["NetworkInterfaces"])
            ?? (subnets.Count > 0 && subnets.All(s => s?.Resource["Properties"]?["MapPublicIpOnLaunch"] is JsonValue v && v.TryGetValue<bool>(out var b) && b));
        // A group that runs nothing at its base size but may run instances (min 0, no desired capacity or 0, max > 0) is
        // scaled on demand (the Jenkins build agent): neither free nor always on, it is priced as usage.
        if (capacity == 0 && Int(p["MaxSize"]) is > 0)
            return ScaledFromZero(region, name, (string?)data["InstanceType"], data["BlockDeviceMappings"], publicAddress, $"{stack.Name}/{id}");
        return Host(region, name, (string?)data["InstanceType"], capacity, data["BlockDeviceMappings"],
            data["Monitoring"]?["Enabled"], publicAddress, $"{stack.Name}/{id}");
    }

    /// <summary>
    /// One instance for the assumed hours a month (<see cref="CostAssumptions.ScaleFromZeroHoursPerMonth"/>), its
    /// volumes pro rata (deleted with the instance), its public address for those hours; detailed monitoring is billed
    /// per instance-hour too, and left out as negligible at these hours.
    /// </summary>
    private IEnumerable<CostLine> ScaledFromZero(RegionPrices region, string name, string? instanceType, JsonNode? blockDevices,
        bool publicAddress, string where)
    {
        var hours = prices.Assumptions.ScaleFromZeroHoursPerMonth;
        var share = hours / prices.HoursPerMonth;
        var assumed = $"{hours.ToString("0.##", CultureInfo.InvariantCulture)} h a month assumed";
        if (instanceType is not null && region.Ec2InstanceHour.TryGetValue(instanceType, out var hourly))
            yield return new($"EC2 {name} (scales from zero)", hours, $"{instanceType} instance-hour ({assumed})", hourly, CostKind.Assumed);
        else
            yield return new($"Unpriced: EC2 {instanceType ?? "(no instance type)"}", 1, "instance", 0, CostKind.Unpriced, where);
        var devices = Array(blockDevices).Where(d => d?["Ebs"] is JsonObject).Select(d => d!["Ebs"]!).ToList();
        var volumes = devices.Count == 0
            ? [("gp3", prices.Assumptions.AmiRootGiB)]
            : devices.Select(ebs => ((string?)ebs["VolumeType"] ?? "gp2", Int(ebs["VolumeSize"]) ?? prices.Assumptions.AmiRootGiB)).ToList();
        foreach (var (volumeType, gib) in volumes)
        {
            if (region.EbsGbMonth.TryGetValue(volumeType, out var perGb))
                yield return new($"EBS volumes of {name} (while it runs)", Math.Round(gib * share, 2), $"GB-month {volumeType} ({gib} GB for the {assumed})", perGb, CostKind.Assumed);
            else
                yield return new($"Unpriced: EBS {volumeType}", gib, "GB", 0, CostKind.Unpriced, where);
        }
        if (publicAddress)
            yield return new("Public IPv4 addresses (while it runs)", hours, $"address-hour ({assumed})", region.PublicIpv4Hour, CostKind.Assumed);
    }

    private IEnumerable<CostLine> Instance(CloudAssembly assembly, StackTemplate stack, RegionPrices region, string id, JsonObject p)
    {
        var name = Tag(p, "Name") ?? id;
        var publicAddress = AssociatesPublicAddress(p["NetworkInterfaces"])
            ?? assembly.Resolve(stack, p["SubnetId"])?.Resource["Properties"]?["MapPublicIpOnLaunch"] is JsonValue v && v.TryGetValue<bool>(out var b) && b;
        return Host(region, name, (string?)p["InstanceType"], 1, p["BlockDeviceMappings"], p["Monitoring"], publicAddress, $"{stack.Name}/{id}");
    }

    private IEnumerable<CostLine> Host(RegionPrices region, string name, string? instanceType, int count, JsonNode? blockDevices,
        JsonNode? detailedMonitoring, bool publicAddress, string where)
    {
        if (count == 0)
            yield break;
        if (instanceType is not null && region.Ec2InstanceHour.TryGetValue(instanceType, out var hourly))
            yield return new($"EC2 {name}", count, $"{instanceType} instance", hourly * prices.HoursPerMonth, CostKind.Fixed);
        else
            yield return new($"Unpriced: EC2 {instanceType ?? "(no instance type)"}", count, "instance", 0, CostKind.Unpriced, where);
        var devices = Array(blockDevices).Where(d => d?["Ebs"] is JsonObject).ToList();
        if (devices.Count == 0)
        {
            foreach (var line in Ebs($"EBS root volumes (AMI default, assumed): {name}", region, "gp3", prices.Assumptions.AmiRootGiB * count, null, null))
                yield return line with { Kind = CostKind.Assumed };
        }
        foreach (var device in devices)
        {
            var ebs = device!["Ebs"]!;
            foreach (var line in Ebs($"EBS volumes of {name}", region, (string?)ebs["VolumeType"] ?? "gp2",
                         (Int(ebs["VolumeSize"]) ?? prices.Assumptions.AmiRootGiB) * count, Int(ebs["Iops"]), Int(ebs["Throughput"])))
                yield return line;
        }
        if (detailedMonitoring is JsonValue m && m.TryGetValue<bool>(out var enabled) && enabled)
            yield return new("CloudWatch detailed monitoring (1-minute EC2 metrics)", count, "instance", region.DetailedMonitoringInstanceMonth, CostKind.Fixed);
        if (publicAddress)
            yield return PublicIpv4(region, count);
    }

    private static bool? AssociatesPublicAddress(JsonNode? networkInterfaces)
    {
        foreach (var nic in Array(networkInterfaces))
            if (nic?["AssociatePublicIpAddress"] is JsonValue v && v.TryGetValue<bool>(out var b))
                return b;
        return null;
    }

    private IEnumerable<CostLine> Ebs(string item, RegionPrices region, string volumeType, int gib, int? iops, int? throughput)
    {
        if (gib <= 0)
            yield break;
        if (!region.EbsGbMonth.TryGetValue(volumeType, out var perGb))
        {
            yield return new($"Unpriced: EBS {volumeType}", gib, "GB", 0, CostKind.Unpriced, item);
            yield break;
        }
        yield return new(item, gib, $"GB {volumeType}", perGb, CostKind.Fixed);
        // gp3 includes 3,000 IOPS and 125 MB/s; more is provisioned and billed.
        if (volumeType == "gp3" && iops > 3000)
            yield return new($"{item}: IOPS above 3,000", iops.Value - 3000, "IOPS", region.EbsGp3IopsMonth, CostKind.Fixed);
        if (volumeType == "gp3" && throughput > 125)
            yield return new($"{item}: throughput above 125 MB/s", throughput.Value - 125, "MB/s", region.EbsGp3ThroughputMbpsMonth, CostKind.Fixed);
    }

    private IEnumerable<CostLine> DatabaseInstance(StackTemplate stack, RegionPrices region, string id, JsonObject p)
    {
        // A read replica names its source; it inherits the engine and storage size from it.
        var source = SourceOf(stack, p["SourceDBInstanceIdentifier"]);
        var engine = (string?)p["Engine"] ?? (string?)source?["Engine"] ?? "";
        var instanceClass = (string?)p["DBInstanceClass"] ?? "";
        var multiAz = Bool(p["MultiAZ"]) ?? false;
        var copies = multiAz ? 2 : 1;
        var az = multiAz ? " Multi-AZ" : "";
        var name = Literal(p["DBInstanceIdentifier"]) ?? id;
        var role = source is null ? "" : " (read replica)";
        var engineName = engine switch { "mariadb" => "MariaDB", "mysql" => "MySQL", "postgres" => "PostgreSQL", _ => engine };
        if (region.RdsInstanceHour.TryGetValue(engine, out var classes) && classes.TryGetValue(instanceClass, out var hourly))
            yield return new($"RDS {engineName} {name}{role}", 1, $"{instanceClass}{az}", hourly * copies * prices.HoursPerMonth, CostKind.Fixed);
        else
            yield return new($"Unpriced: RDS {engineName} {instanceClass}", 1, "instance", 0, CostKind.Unpriced, $"{stack.Name}/{id}");
        var storageType = (string?)p["StorageType"] ?? (p["Iops"] is null ? "gp2" : "io1");
        var gib = Int(p["AllocatedStorage"]) ?? Int(source?["AllocatedStorage"]) ?? 0;
        if (region.RdsStorageGbMonth.TryGetValue(storageType, out var perGb))
            yield return new($"RDS storage {name}", gib, $"GB {storageType}{az}", perGb * copies, CostKind.Fixed);
        else
            yield return new($"Unpriced: RDS storage {storageType}", gib, "GB", 0, CostKind.Unpriced, $"{stack.Name}/{id}");
        // gp3 on RDS MariaDB includes 3,000 IOPS below 400 GiB and 12,000 from 400 GiB.
        var included = gib >= 400 ? 12000 : 3000;
        if (storageType == "gp3" && Int(p["Iops"]) is { } iops && iops > included)
            yield return new($"RDS provisioned IOPS {name}", iops - included, $"IOPS{az}", region.RdsGp3IopsMonth * copies, CostKind.Fixed);
    }

    private static JsonObject? SourceOf(StackTemplate stack, JsonNode? sourceIdentifier)
    {
        if (sourceIdentifier is null)
            return null;
        // CDK writes the source as an ARN joined around a Ref to the primary: find that Ref.
        var reference = Descendants(sourceIdentifier).OfType<JsonObject>()
            .Select(o => o["Ref"] is JsonValue r && r.TryGetValue<string>(out var id) ? id : null)
            .FirstOrDefault(id => id is not null && stack.Resource(id) is not null);
        return reference is null ? [] : stack.Resource(reference)!["Properties"] as JsonObject ?? [];
    }

    private IEnumerable<CostLine> CacheNodes(RegionPrices region, string id, string? nodeType, int nodes)
    {
        if (nodeType is not null && region.ElastiCacheNodeHour.TryGetValue(nodeType, out var hourly))
            yield return new($"ElastiCache Redis {id}", nodes, $"{nodeType} node", hourly * prices.HoursPerMonth, CostKind.Fixed);
        else
            yield return new($"Unpriced: ElastiCache {nodeType ?? "(no node type)"}", nodes, "node", 0, CostKind.Unpriced, id);
    }

    private IEnumerable<CostLine> LoadBalancer(RegionPrices region, string id, JsonObject p)
    {
        var name = Literal(p["Name"]) ?? id;
        var network = (string?)p["Type"] == "network";
        var zones = Math.Max(Count(p["Subnets"]), Count(p["SubnetMappings"]));
        yield return new($"{(network ? "Network" : "Application")} Load Balancer {name}", 1, "load balancer",
            (network ? region.NlbHour : region.AlbHour) * prices.HoursPerMonth, CostKind.Fixed);
        yield return new("Load balancer capacity units", prices.Assumptions.LoadBalancerCapacityUnits,
            network ? "NLCU (assumed per load balancer)" : "LCU (assumed per load balancer)",
            (network ? region.NlcuHour : region.LcuHour) * prices.HoursPerMonth, CostKind.Assumed);
        // An internet-facing load balancer holds a public IPv4 address in each of its zones.
        if ((string?)p["Scheme"] != "internal")
            yield return PublicIpv4(region, zones);
    }

    private IEnumerable<CostLine> Alarm(RegionPrices region, JsonObject p)
    {
        var metrics = Array(p["Metrics"]).Count(m => m?["MetricStat"] is not null);
        var highResolution = (Int(p["Period"]) ?? 60) < 60
            || Array(p["Metrics"]).Any(m => (Int(m?["MetricStat"]?["Period"]) ?? 60) < 60);
        yield return new(highResolution ? "CloudWatch high-resolution alarm metrics" : "CloudWatch alarm metrics",
            Math.Max(metrics, 1), "alarm metric", highResolution ? region.AlarmHighResolutionMetricMonth : region.AlarmMetricMonth, CostKind.Fixed);
    }

    private CostLine PublicIpv4(RegionPrices region, int count) =>
        new("Public IPv4 addresses", count, "address", region.PublicIpv4Hour * prices.HoursPerMonth, CostKind.Fixed);

    private static string? Literal(JsonNode? value) => value is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static string? Tag(JsonObject properties, string key) =>
        Array(properties["Tags"]).Where(t => Literal(t?["Key"]) == key).Select(t => Literal(t?["Value"])).FirstOrDefault();

    /// <summary>CloudFormation numbers arrive as numbers or strings ("20").</summary>
    internal static int? Int(JsonNode? value) => value is JsonValue v
        ? v.TryGetValue<int>(out var i) ? i
        : v.TryGetValue<string>(out var s) && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed
        : null
        : null;

    private static bool? Bool(JsonNode? value) => value is JsonValue v
        ? v.TryGetValue<bool>(out var b) ? b
        : v.TryGetValue<string>(out var s) && bool.TryParse(s, out var parsed) ? parsed
        : null
        : null;

    private static IEnumerable<JsonNode?> Array(JsonNode? value) => value as JsonArray ?? [];

    private static int Count(JsonNode? value) => value is JsonArray a ? a.Count : 0;

    private static IEnumerable<JsonNode> Descendants(JsonNode node)
    {
        yield return node;
        IEnumerable<JsonNode?> children = node switch { JsonObject o => o.Select(p => p.Value), JsonArray a => a, _ => [] };
        foreach (var child in children.OfType<JsonNode>())
            foreach (var d in Descendants(child))
                yield return d;
    }
}
