using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Constructs;
using Groundwork.Infra.Components;
using Groundwork.Infra.Configuration;
using Groundwork.Infra.BuildingBlocks;

namespace Groundwork.Infra.Stacks;

/// <summary>
/// An environment's network: VPC with public / app / data subnets in 2 AZs, NAT, S3 gateway endpoint on every route
/// table, flow logs, the security groups of every tier (who may talk to whom, in one place) and the peering to the
/// management VPC with routes only between the tiers that need them.
/// </summary>
public sealed class NetworkStack : ComponentStack
{
    public Vpc Vpc { get; }
    public TierSecurityGroups SecurityGroups { get; }
    public CfnVPCPeeringConnection Peering { get; }

    public NetworkStack(Construct scope, string id, EnvironmentSettings env, ManagementStack management, IStackProps props)
        : base(scope, id, props)
    {
        Vpc = new Network(this, "Network", new NetworkProps($"groundwork-{env.Name}", env.VpcCidr, env.AvailabilityZones,
            [
                new SubnetConfiguration { Name = Tiers.Public, SubnetType = SubnetType.PUBLIC, CidrMask = 24, MapPublicIpOnLaunch = true },
                new SubnetConfiguration { Name = Tiers.App, SubnetType = SubnetType.PRIVATE_WITH_EGRESS, CidrMask = 22 },
                new SubnetConfiguration { Name = Tiers.Data, SubnetType = SubnetType.PRIVATE_ISOLATED, CidrMask = 24 },
            ],
            // Every tier reaches S3 without the NAT.
            [
                new SubnetSelection { SubnetGroupName = Tiers.Public },
                new SubnetSelection { SubnetGroupName = Tiers.App },
                new SubnetSelection { SubnetGroupName = Tiers.Data },
            ])
        {
            NatInstanceType = env.NatInstanceType, NatGateways = env.NatGateways, NatSubnetGroup = Tiers.Public,
        }).Vpc;

        SecurityGroups = new TierSecurityGroups(this, "SecurityGroups", Vpc, env);

        // Peering to the management VPC: the app tier sends errors to Sentry; the bastion (public tier) reaches
        // Jenkins and Sentry over SSH; Jenkins (tools tier) reaches the databases for the deploy's migrate step and
        // rotate-credentials (the data tier's security groups admit only Jenkins' group from there; DataStack).
        Peering = new ManagementPeering(this, "Peering", new ManagementPeeringProps($"groundwork-{env.Name}-to-management", Vpc,
            management.Vpc, [Tiers.Public, Tiers.App, Tiers.Data])).Connection;
        var publicSubnets = Vpc.SelectSubnets(new SubnetSelection { SubnetGroupName = Tiers.Public }).Subnets;
        var appSubnets = Vpc.SelectSubnets(new SubnetSelection { SubnetGroupName = Tiers.App }).Subnets;
        foreach (var subnet in publicSubnets)
        {
            management.JenkinsSecurityGroup.AddIngressRule(Peer.Ipv4(subnet.Ipv4CidrBlock), Port.Tcp(22), $"SSH from the {env.Name} bastion tier");
            management.SentrySecurityGroup.AddIngressRule(Peer.Ipv4(subnet.Ipv4CidrBlock), Port.Tcp(22), $"SSH from the {env.Name} bastion tier");
        }
        foreach (var subnet in appSubnets)
            management.SentryIngestSecurityGroup.AddIngressRule(Peer.Ipv4(subnet.Ipv4CidrBlock), Port.Tcp(Components.SentryHost.IngestPort), $"Error ingest (HTTPS) from the {env.Name} app tier");
    }
}

/// <summary>
/// The security groups of the compute tiers (ALB, app, bastion, Metabase) and the only paths between them. Kept in the
/// network stack so that the app, analytics and data stacks can all reference them without cycles.
/// </summary>
public sealed class TierSecurityGroups : Construct
{
    public const int AppPort = 8080;
    public const int MetabasePort = 3000;
    public const int MySqlPort = 3306;
    public const int RedisPort = 6379;

    public SecurityGroup Alb { get; }
    public SecurityGroup App { get; }
    public SecurityGroup Bastion { get; }
    public SecurityGroup Analytics { get; }

    public TierSecurityGroups(Construct scope, string id, IVpc vpc, EnvironmentSettings env) : base(scope, id)
    {
        SecurityGroup Group(string name, string description, bool allowAllOutbound = true) =>
            Create(this, name, vpc, env, description, allowAllOutbound);

        Alb = Group("Alb", "public load balancer", allowAllOutbound: false);
        App = Group("App", "app servers");
        Bastion = Group("Bastion", "SSH bastion");
        Analytics = Group("Analytics", "Metabase");

        Alb.AddIngressRule(Peer.AnyIpv4(), Port.Tcp(443), "HTTPS from the internet and CloudFront");
        Alb.AddIngressRule(Peer.AnyIpv4(), Port.Tcp(80), "HTTP from the internet, redirected to HTTPS");
        Nag.Suppress(Alb, new NagSuppression("AwsSolutions-EC23",
            "The public ALB must accept 80 (redirect only) and 443 from anywhere; it is the architecture's only public entry besides CloudFront."));
        Alb.AddEgressRule(App, Port.Tcp(AppPort), "to the app servers");
        Alb.AddEgressRule(Analytics, Port.Tcp(MetabasePort), "to Metabase");

        App.AddIngressRule(Alb, Port.Tcp(AppPort), "HTTP from the ALB");
        App.AddIngressRule(Bastion, Port.Tcp(22), "SSH only from the bastion");
        Analytics.AddIngressRule(Alb, Port.Tcp(MetabasePort), "Metabase from the ALB");
        Analytics.AddIngressRule(Bastion, Port.Tcp(22), "SSH only from the bastion");

        foreach (var cidr in env.Bastion.SshAllowlist)
            Bastion.AddIngressRule(Peer.Ipv4(cidr), Port.Tcp(22), "SSH from an allowlisted network");
    }

    /// <summary>A tier's security group. Data stores create theirs next to themselves (their ingress rules use the
    /// store's port attribute, which must stay in the store's stack), always admitting only groups of this class.</summary>
    public static SecurityGroup Create(Construct scope, string name, IVpc vpc, EnvironmentSettings env, string description,
        bool allowAllOutbound = false) =>
        new(scope, $"{name}SecurityGroup", new SecurityGroupProps
        {
            Vpc = vpc, Description = $"groundwork-{env.Name}: {description}", AllowAllOutbound = allowAllOutbound,
            SecurityGroupName = $"groundwork-{env.Name}-{name.ToLowerInvariant()}",
        });
}
