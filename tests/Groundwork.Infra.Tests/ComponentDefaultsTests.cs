using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Constructs;
using Groundwork.Infra.Components;
using Groundwork.Infra.BuildingBlocks;

namespace Groundwork.Infra.Tests;

/// <summary>
/// Components built from their props' defaults, in a stack of their own: what a stack gets when it states nothing is
/// the safe choice (encrypted, private, retained, only named clients admitted). And components are transparent to
/// names: their ids appear neither in logical ids nor in path-derived Name tags.
/// </summary>
[Collection(SynthesizedCollection.Name)] // one jsii runtime; keep its calls sequential
public sealed class ComponentDefaultsTests
{
    private sealed class BareStack(Construct scope, string id, IStackProps props) : ComponentStack(scope, id, props);

    private static readonly Lazy<(JsonObject Template, string StackName)> Synthesized = new(() =>
    {
        System.Environment.SetEnvironmentVariable("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20");
        var outDir = Directory.CreateTempSubdirectory("groundwork-components-").FullName;
        var app = new App(new AppProps { Outdir = outDir });
        var stack = new BareStack(app, "Bare", new StackProps { Env = new Amazon.CDK.Environment { Account = "111111111111", Region = "eu-west-1" } });
        var vpc = new Network(stack, "Network", new NetworkProps("bare", "10.9.0.0/16", ["eu-west-1a", "eu-west-1b"],
            [
                new SubnetConfiguration { Name = Tiers.Public, SubnetType = SubnetType.PUBLIC, CidrMask = 24 },
                new SubnetConfiguration { Name = Tiers.App, SubnetType = SubnetType.PRIVATE_WITH_EGRESS, CidrMask = 24 },
                new SubnetConfiguration { Name = Tiers.Data, SubnetType = SubnetType.PRIVATE_ISOLATED, CidrMask = 24 },
            ],
            [new SubnetSelection { SubnetGroupName = Tiers.App }]) { NatGateways = 1 }).Vpc;
        var client = new SecurityGroup(stack, "Client", new SecurityGroupProps { Vpc = vpc, Description = "the only client" });
        _ = new DatabaseServers(stack, "Database", new DatabaseProps("bare", vpc, [new(client, "primary client")], [new(client, "replica client")]));
        _ = new Cache(stack, "Cache", new CacheProps("bare", vpc, [new(client, "cache client")], "bare/cache/auth-token"));
        app.Synth();
        var template = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "Bare.template.json")))!.AsObject();
        Directory.Delete(outDir, recursive: true);
        return (template, stack.StackName);
    });

    private static IEnumerable<(string Id, JsonObject Resource)> Resources(string type) =>
        Synthesized.Value.Template["Resources"]!.AsObject()
            .Where(r => (string?)r.Value!["Type"] == type).Select(r => (r.Key, r.Value!.AsObject()));

    [Fact]
    public void Database_and_cache_defaults_are_encrypted_private_multi_az_and_retained()
    {
        var databases = Resources("AWS::RDS::DBInstance").ToList();
        var primary = Assert.Single(databases, d => d.Id.StartsWith("Primary", StringComparison.Ordinal)).Resource;
        Assert.True((bool)primary["Properties"]!["StorageEncrypted"]!);
        Assert.True((bool)primary["Properties"]!["MultiAZ"]!);
        Assert.True((bool)primary["Properties"]!["DeletionProtection"]!);
        Assert.True((bool)primary["Properties"]!["ManageMasterUserPassword"]!);
        Assert.Null(primary["Properties"]!["MasterUserPassword"]);
        Assert.All(databases, d =>
        {
            Assert.False((bool)d.Resource["Properties"]!["PubliclyAccessible"]!);
            Assert.Equal("Retain", (string?)d.Resource["DeletionPolicy"]);
        });

        var cache = Assert.Single(Resources("AWS::ElastiCache::ReplicationGroup")).Resource;
        Assert.Equal("required", (string?)cache["Properties"]!["TransitEncryptionMode"]);
        Assert.True((bool)cache["Properties"]!["AtRestEncryptionEnabled"]!);
        Assert.True((bool)cache["Properties"]!["MultiAZEnabled"]!);
        Assert.Equal("Retain", (string?)cache["DeletionPolicy"]);

        // The stores' groups admit exactly the named client, on the store's port, and send nothing anywhere.
        var ingress = Resources("AWS::EC2::SecurityGroupIngress").Select(r => r.Resource["Properties"]!).ToList();
        Assert.Equal(3, ingress.Count);
        Assert.All(ingress, rule => Assert.NotNull(rule["SourceSecurityGroupId"]));
        Assert.Equal([3306, 3306, 6379], ingress.Select(r => (int)r["FromPort"]!).Order());
        Assert.All(Resources("AWS::EC2::SecurityGroup").Where(g => !g.Id.StartsWith("Client", StringComparison.Ordinal)),
            g => Assert.Equal("255.255.255.255/32", (string?)g.Resource["Properties"]!["SecurityGroupEgress"]![0]!["CidrIp"]));
    }

    [Fact]
    public void Component_ids_appear_neither_in_logical_ids_nor_in_name_tags()
    {
        var (template, stackName) = Synthesized.Value;
        var ids = template["Resources"]!.AsObject().Select(r => r.Key).ToList();
        // "Network", "Database", "Cache" are component ids: the VPC is Vpc..., the primary Primary..., as if they sat in the stack.
        Assert.Contains(ids, id => id.StartsWith("Vpc8378EB38", StringComparison.Ordinal));
        Assert.Contains(ids, id => id.StartsWith("Primary503D6591", StringComparison.Ordinal));
        Assert.DoesNotContain(ids, id => id.StartsWith("Network", StringComparison.Ordinal) || id.StartsWith("Database", StringComparison.Ordinal) && !id.StartsWith("DatabaseSecurityGroup", StringComparison.Ordinal));
        var names = Resources("AWS::EC2::Subnet").Select(s => TemplateQueries.Array(s.Resource["Properties"]!["Tags"])
            .Single(t => (string?)t["Key"] == "Name")["Value"]!.ToString()).ToList();
        Assert.Contains($"{stackName}/Vpc/dataSubnet1", names);
        Assert.DoesNotContain(names, n => n.Contains("/Network/", StringComparison.Ordinal));
    }
}
