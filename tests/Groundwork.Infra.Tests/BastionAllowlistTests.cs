using Amazon.CDK;
using Amazon.CDK.Assertions;
using Groundwork.Infra.Configuration;
using Groundwork.Infra.Stacks;

namespace Groundwork.Infra.Tests;

/// <summary>The bastion allowlist is configuration: a listed CIDR, and only it, may SSH to the bastion.</summary>
[Collection(SynthesizedCollection.Name)] // one jsii runtime; keep its calls sequential
public sealed class BastionAllowlistTests(SynthesizedApp shared)
{
    [Fact]
    public void Bastion_admits_ssh_from_exactly_the_allowlisted_cidrs()
    {
        _ = shared;
        var baseline = EnvironmentFiles.LoadEnvironment("staging");
        var env = baseline with { Bastion = baseline.Bastion with { SshAllowlist = ["203.0.113.0/24", "198.51.100.7/32"] } };
        var outDir = Path.Combine(Path.GetTempPath(), $"groundwork-allowlist-{Guid.NewGuid():N}");
        try { Check(env, outDir); }
        finally { if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true); }
    }

    private static void Check(EnvironmentSettings env, string outDir)
    {
        var app = new App(new AppProps { Outdir = outDir });
        var props = new StackProps { Env = new Amazon.CDK.Environment { Account = env.Account, Region = env.Region } };
        var management = new ManagementStack(app, "Management", EnvironmentFiles.LoadManagement(), [env], props);
        var network = new NetworkStack(app, "Network", env, management, props);

        var template = Template.FromStack(network);
        template.HasResourceProperties("AWS::EC2::SecurityGroup", new Dictionary<string, object>
        {
            ["GroupName"] = "groundwork-staging-bastion",
            ["SecurityGroupIngress"] = new object[]
            {
                Match.ObjectLike(new Dictionary<string, object> { ["CidrIp"] = "203.0.113.0/24", ["FromPort"] = 22, ["ToPort"] = 22 }),
                Match.ObjectLike(new Dictionary<string, object> { ["CidrIp"] = "198.51.100.7/32", ["FromPort"] = 22, ["ToPort"] = 22 }),
            },
        });
        // The app servers still accept SSH only from the bastion's group, not from the allowlist.
        var groups = template.FindResources("AWS::EC2::SecurityGroup");
        // (TryGetValue: the NAT instance's group, created by the CDK's NAT provider, has no GroupName.)
        var appGroup = groups.Values.Single(g => ((Dictionary<string, object>)((Dictionary<string, object>)g)["Properties"]).TryGetValue("GroupName", out var name) && name as string == "groundwork-staging-app");
        Assert.DoesNotContain("203.0.113.0/24", System.Text.Json.JsonSerializer.Serialize(appGroup));
    }
}
