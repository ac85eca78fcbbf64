using System.Text.Json.Nodes;
using Groundwork.Cost;

namespace Groundwork.Deploy.Tests;

/// <summary>
/// The cost report's arithmetic on small hand-written templates, priced with a tiny table of round numbers (100 hours a
/// month, $1-ish prices) so that every expected figure can be worked out by hand.
/// </summary>
public sealed class CostArithmeticTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static PriceTable Prices(double hoursPerMonth = 100) => new()
    {
        AsOf = "2026-01-01",
        Currency = "USD",
        HoursPerMonth = hoursPerMonth,
        Sources = ["test"],
        Regions = new Dictionary<string, RegionPrices> { ["eu-west-1"] = Region() },
        Assumptions = new CostAssumptions
        {
            NatGatewayGbPerMonth = 10, LoadBalancerCapacityUnits = 1, FlowLogGbPerMonth = 2, S3GbPerBucket = 5,
            SnapshotShareOfVolume = 0.5, AmiRootGiB = 8, ScaleFromZeroHoursPerMonth = 25,
        },
        Free = ["AWS::EC2::Subnet", "AWS::EC2::LaunchTemplate", "AWS::IAM::Role"],
        UsageOnly = new Dictionary<string, string> { ["AWS::Lambda::Function"] = "free tier assumed" },
    };

    private static RegionPrices Region() => new()
    {
        Ec2InstanceHour = new Dictionary<string, double> { ["t3a.small"] = 0.02, ["t4g.nano"] = 0.01 },
        RdsInstanceHour = new Dictionary<string, IReadOnlyDictionary<string, double>>
        {
            ["mariadb"] = new Dictionary<string, double> { ["db.t4g.medium"] = 0.07, ["db.t4g.micro"] = 0.02 },
        },
        RdsStorageGbMonth = new Dictionary<string, double> { ["gp2"] = 0.1, ["gp3"] = 0.1 },
        RdsGp3IopsMonth = 0.02,
        ElastiCacheNodeHour = new Dictionary<string, double> { ["cache.t4g.small"] = 0.03 },
        EbsGbMonth = new Dictionary<string, double> { ["gp3"] = 0.08, ["gp2"] = 0.1 },
        EbsGp3IopsMonth = 0.005, EbsGp3ThroughputMbpsMonth = 0.04, EbsSnapshotGbMonth = 0.05,
        NatGatewayHour = 0.05, NatGatewayGb = 0.05, PublicIpv4Hour = 0.005,
        AlbHour = 0.02, NlbHour = 0.02, LcuHour = 0.01, NlcuHour = 0.006, InterfaceEndpointAzHour = 0.01,
        SecretMonth = 0.4, KmsKeyMonth = 1, AlarmMetricMonth = 0.1, AlarmHighResolutionMetricMonth = 0.3, CompositeAlarmMonth = 0.5,
        DetailedMonitoringInstanceMonth = 2.1, LogsIngestGb = 0.5, VendedLogsS3Gb = 0.25, S3StandardGbMonth = 0.02,
        Route53HostedZoneMonth = 0.5, WafWebAclMonth = 5, WafRuleMonth = 1, SsmAdvancedParameterMonth = 0.05,
    };

    /// <summary>Writes a cdk.out with these stacks (name → resources, outputs) in eu-west-1 and reads it back.</summary>
    private CloudAssembly Assembly(params (string Name, JsonObject Resources, JsonObject? Outputs)[] stacks)
    {
        var artifacts = new JsonObject();
        foreach (var (name, resources, outputs) in stacks)
        {
            var template = new JsonObject { ["Resources"] = resources };
            if (outputs is not null)
                template["Outputs"] = outputs;
            File.WriteAllText(_temp.Combine($"{name}.template.json"), template.ToJsonString());
            artifacts[name] = new JsonObject
            {
                ["type"] = "aws:cloudformation:stack",
                ["environment"] = "aws://111111111111/eu-west-1",
                ["properties"] = new JsonObject { ["templateFile"] = $"{name}.template.json" },
            };
        }
        artifacts["Tree"] = new JsonObject { ["type"] = "cdk:tree" };
        File.WriteAllText(_temp.Combine("manifest.json"), new JsonObject { ["artifacts"] = artifacts }.ToJsonString());
        return CloudAssembly.Read(_temp.Path);
    }

    private static JsonObject Resource(string type, JsonObject properties) => new() { ["Type"] = type, ["Properties"] = properties };

    private static JsonNode Parse(string json) => JsonNode.Parse(json)!;

    [Fact]
    public void Auto_scaling_group_costs_its_capacity_of_the_launch_templates_instance_root_volume_and_monitoring_and_a_public_address_in_a_public_subnet()
    {
        // The subnet lives in another stack and is reached through an export, as the CDK writes cross-stack references.
        var network = new JsonObject
        {
            ["PublicSubnet"] = Resource("AWS::EC2::Subnet", new JsonObject { ["MapPublicIpOnLaunch"] = true }),
        };
        var outputs = new JsonObject
        {
            ["PublicSubnetOut"] = Parse("""{"Value": {"Ref": "PublicSubnet"}, "Export": {"Name": "Net:PublicSubnet"}}"""),
        };
        var app = new JsonObject
        {
            ["Template"] = Resource("AWS::EC2::LaunchTemplate", Parse("""
                {"LaunchTemplateData": {"InstanceType": "t3a.small", "Monitoring": {"Enabled": true},
                  "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 20, "VolumeType": "gp3", "Encrypted": true}}]}}
                """).AsObject()),
            ["Group"] = Resource("AWS::AutoScaling::AutoScalingGroup", Parse("""
                {"AutoScalingGroupName": "web", "MinSize": "3", "MaxSize": "6",
                 "LaunchTemplate": {"LaunchTemplateId": {"Ref": "Template"}, "Version": "1"},
                 "VPCZoneIdentifier": [{"Fn::ImportValue": "Net:PublicSubnet"}]}
                """).AsObject()),
        };
        var cost = Assert.Single(new CostEstimator(Prices()).Estimate(Assembly(("Groundwork-demo-Network", network, outputs), ("Groundwork-demo-App", app, null))));

        Assert.Equal("demo", cost.Name);
        var ec2 = Assert.Single(cost.Lines, l => l.Item == "EC2 web");
        Assert.Equal((3, "t3a.small instance", 2.0, 6.0), (ec2.Quantity, ec2.Unit, ec2.UnitMonthlyUsd, ec2.MonthlyUsd)); // 3 × $0.02 × 100 h
        Assert.Equal(4.8, Assert.Single(cost.Lines, l => l.Item == "EBS volumes of web").MonthlyUsd, 6); // 60 GB × $0.08
        Assert.Equal(6.3, Assert.Single(cost.Lines, l => l.Item.StartsWith("CloudWatch detailed", StringComparison.Ordinal)).MonthlyUsd, 6);
        Assert.Equal(1.5, Assert.Single(cost.Lines, l => l.Item == "Public IPv4 addresses").MonthlyUsd, 6); // 3 × $0.005 × 100 h
        Assert.Equal(18.6, cost.MonthlyUsd, 6);
        // Largest first.
        Assert.Equal(cost.Lines.Select(l => l.MonthlyUsd).OrderDescending(), cost.Lines.Select(l => l.MonthlyUsd));
    }

    [Fact]
    public void Desired_capacity_wins_over_the_minimum_and_a_private_group_has_no_public_address()
    {
        var app = new JsonObject
        {
            ["Private"] = Resource("AWS::EC2::Subnet", new JsonObject { ["MapPublicIpOnLaunch"] = false }),
            ["Template"] = Resource("AWS::EC2::LaunchTemplate", Parse("""{"LaunchTemplateData": {"InstanceType": "t4g.nano"}}""").AsObject()),
            ["Group"] = Resource("AWS::AutoScaling::AutoScalingGroup", Parse("""
                {"MinSize": "1", "DesiredCapacity": "2", "MaxSize": "4", "LaunchTemplate": {"LaunchTemplateId": {"Ref": "Template"}},
                 "VPCZoneIdentifier": [{"Ref": "Private"}]}
                """).AsObject()),
        };
        var cost = Assert.Single(new CostEstimator(Prices()).Estimate(Assembly(("Groundwork-demo-App", app, null))));

        Assert.Equal(2, Assert.Single(cost.Lines, l => l.Item == "EC2 Group").Quantity);
        Assert.DoesNotContain(cost.Lines, l => l.Item == "Public IPv4 addresses");
        Assert.DoesNotContain(cost.Lines, l => l.Item.StartsWith("CloudWatch detailed", StringComparison.Ordinal));
        // No block device in the template: the AMI's root, assumed.
        var root = Assert.Single(cost.Lines, l => l.Item.StartsWith("EBS root volumes (AMI default", StringComparison.Ordinal));
        Assert.Equal((16.0, CostKind.Assumed), (root.Quantity, root.Kind));
    }

    [Theory]
    [InlineData("""{"MinSize": "0", "MaxSize": "1"}""")]
    [InlineData("""{"MinSize": "0", "DesiredCapacity": "0", "MaxSize": "1"}""")]
    public void A_group_scaled_from_zero_is_priced_as_the_assumed_hours_not_as_free_nor_always_on(string capacity)
    {
        var group = Parse(capacity).AsObject();
        group["LaunchTemplate"] = Parse("""{"LaunchTemplateId": {"Ref": "Template"}}""");
        var app = new JsonObject
        {
            ["Template"] = Resource("AWS::EC2::LaunchTemplate", Parse("""
                {"LaunchTemplateData": {"InstanceType": "t3a.small", "Monitoring": {"Enabled": false},
                 "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 40, "VolumeType": "gp3"}}]}}
                """).AsObject()),
            ["Agent"] = Resource("AWS::AutoScaling::AutoScalingGroup", group),
        };
        var cost = Assert.Single(new CostEstimator(Prices()).Estimate(Assembly(("Groundwork-management", app, null))));

        // 25 assumed hours of a $0.02 instance; 40 GB × 25/100 of the month at $0.08; nothing fixed.
        var instance = Assert.Single(cost.Lines, l => l.Item == "EC2 Agent (scales from zero)");
        Assert.Equal((25.0, 0.02, 0.5, CostKind.Assumed), (instance.Quantity, instance.UnitMonthlyUsd, instance.MonthlyUsd, instance.Kind));
        Assert.Contains("25 h a month assumed", instance.Unit, StringComparison.Ordinal);
        var volume = Assert.Single(cost.Lines, l => l.Item == "EBS volumes of Agent (while it runs)");
        Assert.Equal((10.0, 0.8, CostKind.Assumed), (volume.Quantity, volume.MonthlyUsd, volume.Kind));
        Assert.Equal(2, cost.Lines.Count);
        Assert.Equal(1.3, cost.MonthlyUsd);
    }

    [Fact]
    public void A_group_of_zero_that_may_not_grow_costs_nothing()
    {
        var app = new JsonObject
        {
            ["Template"] = Resource("AWS::EC2::LaunchTemplate", Parse("""{"LaunchTemplateData": {"InstanceType": "t3a.small"}}""").AsObject()),
            ["Parked"] = Resource("AWS::AutoScaling::AutoScalingGroup", Parse("""
                {"MinSize": "0", "MaxSize": "0", "LaunchTemplate": {"LaunchTemplateId": {"Ref": "Template"}}}
                """).AsObject()),
        };
        var cost = Assert.Single(new CostEstimator(Prices()).Estimate(Assembly(("Groundwork-demo-App", app, null))));
        Assert.Empty(cost.Lines);
    }

    [Fact]
    public void Multi_az_doubles_the_database_and_its_storage_and_a_replica_inherits_the_storage_of_its_source()
    {
        var data = new JsonObject
        {
            ["Primary"] = Resource("AWS::RDS::DBInstance", Parse("""
                {"DBInstanceIdentifier": "primary", "Engine": "mariadb", "DBInstanceClass": "db.t4g.medium", "MultiAZ": true,
                 "AllocatedStorage": "100", "StorageType": "gp3"}
                """).AsObject()),
            ["Replica"] = Resource("AWS::RDS::DBInstance", Parse("""
                {"DBInstanceIdentifier": "replica", "DBInstanceClass": "db.t4g.micro", "StorageType": "gp2",
                 "SourceDBInstanceIdentifier": {"Fn::Join": ["", ["arn:aws:rds:eu-west-1:111111111111:db:", {"Ref": "Primary"}]]}}
                """).AsObject()),
            ["Cache"] = Resource("AWS::ElastiCache::ReplicationGroup", Parse("""{"CacheNodeType": "cache.t4g.small", "NumCacheClusters": 2}""").AsObject()),
        };
        var cost = Assert.Single(new CostEstimator(Prices()).Estimate(Assembly(("Groundwork-demo-Data", data, null))));

        Assert.Equal(14.0, Assert.Single(cost.Lines, l => l.Item == "RDS MariaDB primary").MonthlyUsd, 6); // $0.07 × 2 × 100 h
        Assert.Equal(20.0, Assert.Single(cost.Lines, l => l.Item == "RDS storage primary").MonthlyUsd, 6); // 100 GB × $0.1 × 2
        Assert.Equal(2.0, Assert.Single(cost.Lines, l => l.Item == "RDS MariaDB replica (read replica)").MonthlyUsd, 6);
        Assert.Equal(10.0, Assert.Single(cost.Lines, l => l.Item == "RDS storage replica").MonthlyUsd, 6); // the primary's 100 GB
        Assert.Equal(6.0, Assert.Single(cost.Lines, l => l.Item == "ElastiCache Redis Cache").MonthlyUsd, 6); // 2 × $0.03 × 100 h
        Assert.Equal(52.0, cost.MonthlyUsd, 6);
    }

    [Fact]
    public void Network_load_balancing_and_small_resources_are_priced_and_merged_into_lines()
    {
        var stack = new JsonObject
        {
            ["Nat"] = Resource("AWS::EC2::NatGateway", []),
            ["NatIp"] = Resource("AWS::EC2::EIP", []),
            ["PublicAlb"] = Resource("AWS::ElasticLoadBalancingV2::LoadBalancer", Parse("""{"Name": "edge", "Type": "application", "Subnets": ["a", "b"]}""").AsObject()),
            ["InternalAlb"] = Resource("AWS::ElasticLoadBalancingV2::LoadBalancer", Parse("""{"Name": "inside", "Scheme": "internal", "Subnets": ["a", "b"]}""").AsObject()),
            ["Endpoint"] = Resource("AWS::EC2::VPCEndpoint", Parse("""{"VpcEndpointType": "Interface", "SubnetIds": ["a", "b"]}""").AsObject()),
            ["S3Endpoint"] = Resource("AWS::EC2::VPCEndpoint", Parse("""{"ServiceName": "s3"}""").AsObject()),
            ["Secret1"] = Resource("AWS::SecretsManager::Secret", []),
            ["Secret2"] = Resource("AWS::SecretsManager::Secret", []),
            ["Key"] = Resource("AWS::KMS::Key", []),
            ["Alarm"] = Resource("AWS::CloudWatch::Alarm", Parse("""{"Period": 60}""").AsObject()),
            ["FastAlarm"] = Resource("AWS::CloudWatch::Alarm", Parse("""{"Period": 10}""").AsObject()),
            ["Data"] = Resource("AWS::EC2::Volume", Parse("""{"Size": 100, "VolumeType": "gp3", "Iops": 4000}""").AsObject()),
            ["Plan"] = Resource("AWS::Backup::BackupPlan", []),
            ["Logs"] = Resource("AWS::EC2::FlowLog", []),
            ["Bucket"] = Resource("AWS::S3::Bucket", []),
            ["Fn"] = Resource("AWS::Lambda::Function", []),
            ["Role"] = Resource("AWS::IAM::Role", []),
        };
        var cost = Assert.Single(new CostEstimator(Prices()).Estimate(Assembly(("Groundwork-management", stack, null))));
        double Line(string item) => Assert.Single(cost.Lines, l => l.Item == item).MonthlyUsd;

        Assert.Equal("management", cost.Name);
        Assert.Equal(5.0, Line("NAT gateways"), 6);
        Assert.Equal(0.5, Line("NAT gateway data processing"), 6); // 10 GB assumed × $0.05
        // The EIP and the internet-facing ALB's two zones; the internal ALB has none.
        Assert.Equal(1.5, Line("Public IPv4 addresses"), 6);
        Assert.Equal(2.0, Line("Application Load Balancer edge"), 6);
        Assert.Equal(2.0, Line("Application Load Balancer inside"), 6);
        Assert.Equal(2.0, Line("Load balancer capacity units"), 6); // 1 LCU assumed per load balancer
        Assert.Equal(2.0, Line("VPC interface endpoints"), 6); // 2 AZs × $0.01 × 100 h; the gateway endpoint is free
        var secrets = Assert.Single(cost.Lines, l => l.Item == "Secrets Manager secrets");
        Assert.Equal((2.0, 0.8), (secrets.Quantity, secrets.MonthlyUsd));
        Assert.Equal(1.0, Line("KMS customer managed keys"), 6);
        Assert.Equal(0.1, Line("CloudWatch alarm metrics"), 6);
        Assert.Equal(0.3, Line("CloudWatch high-resolution alarm metrics"), 6);
        Assert.Equal(8.0, Line("EBS data volumes"), 6);
        Assert.Equal(5.0, Line("EBS data volumes: IOPS above 3,000"), 6); // 1,000 × $0.005
        Assert.Equal(2.5, Line("AWS Backup snapshots of EBS data volumes"), 6); // half of 100 GB × $0.05
        Assert.Equal(1.0, Line("VPC flow logs to CloudWatch Logs"), 6);
        Assert.Equal(0.1, Line("S3 storage"), 6);
        var usage = Assert.Single(cost.Lines, l => l.Item == "AWS::Lambda::Function (usage)");
        Assert.Equal((0.0, CostKind.Assumed, "free tier assumed"), (usage.MonthlyUsd, usage.Kind, usage.Note));
        Assert.Empty(cost.Unpriced);
        Assert.Equal(Math.Round(cost.Lines.Sum(l => l.MonthlyUsd), 2), cost.MonthlyUsd);
    }

    [Fact]
    public void A_resource_type_the_table_does_not_know_is_reported_unpriced_not_free()
    {
        var stack = new JsonObject
        {
            ["Search"] = Resource("AWS::OpenSearchService::Domain", []),
            ["Big"] = Resource("AWS::RDS::DBInstance", Parse("""{"Engine": "mariadb", "DBInstanceClass": "db.x2g.16xlarge", "AllocatedStorage": "20"}""").AsObject()),
        };
        var report = CostReport.Create(Prices(), Assembly(("Groundwork-staging-Data", stack, null)));

        var unpriced = report["staging"].Unpriced.Select(l => l.Item).Order().ToList();
        Assert.Equal(["Unpriced: AWS::OpenSearchService::Domain", "Unpriced: RDS MariaDB db.x2g.16xlarge"], unpriced);
        var json = JsonNode.Parse(report.ToJson())!;
        Assert.Equal(2, json["environments"]!["staging"]!["unpriced"]!.AsArray().Count);
        Assert.Contains("2 unpriced item(s)", report.ToText(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_region_without_prices_is_an_error_not_a_zero()
    {
        var stack = new JsonObject { ["Secret"] = Resource("AWS::SecretsManager::Secret", []) };
        var assembly = Assembly(("Groundwork-staging-Data", stack, null));
        var prices = Prices() with { Regions = new Dictionary<string, RegionPrices> { ["us-east-1"] = Region() } };

        var error = Assert.Throws<CostException>(() => new CostEstimator(prices).Estimate(assembly));
        Assert.Contains("eu-west-1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_has_the_environments_their_totals_and_lines()
    {
        var stack = new JsonObject { ["Secret"] = Resource("AWS::SecretsManager::Secret", []), ["Key"] = Resource("AWS::KMS::Key", []) };
        var json = JsonNode.Parse(CostReport.Create(Prices(), Assembly(("Groundwork-staging-Monitoring", stack, null))).ToJson())!;

        var staging = json["environments"]!["staging"]!;
        Assert.Equal(1.4, (double)staging["monthlyUsd"]!, 6);
        var lines = staging["lines"]!.AsArray();
        Assert.Equal(["KMS customer managed keys", "Secrets Manager secrets"], lines.Select(l => (string)l!["item"]!));
        Assert.Equal("fixed", (string)lines[0]!["kind"]!);
        Assert.Equal("2026-01-01", (string)json["prices"]!["asOf"]!);
    }

    [Fact]
    public void The_shipped_price_table_loads_and_prices_every_region_the_app_deploys_to()
    {
        var table = PriceTable.Load();
        Assert.Matches("^\\d{4}-\\d{2}-\\d{2}$", table.AsOf);
        Assert.All(table.Sources, s => Assert.StartsWith("https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/", s, StringComparison.Ordinal));
        Assert.NotNull(table.Region("eu-west-1"));
        Assert.NotNull(table.Region("us-east-1")); // CloudFront's certificates and the static site stacks
        Assert.Empty(table.Free.Intersect(table.UsageOnly.Keys));
    }
}
