using Amazon.CDK;
using Amazon.CDK.AWS.EC2;

namespace Groundwork.Infra.BuildingBlocks;

/// <summary>
/// How a VPC's private subnets reach the internet: managed NAT gateways, or (where an environment can live with a
/// single instance carrying its outbound traffic) NAT instances at a tenth of the price. The choice is data
/// (natInstanceType in the environment file); the cost report shows the difference.
/// </summary>
public static class NatProviders
{
    /// <param name="instanceType">Null: NAT gateways. Otherwise a NAT instance of this type per NAT (Graviton suits: it runs no code of ours).</param>
    /// <param name="image">
    /// The AMI; null: the latest Amazon Linux 2023 of the type's architecture, resolved at each deploy (a new AMI
    /// replaces the NAT instance: a minute without outbound traffic, nothing lost).
    /// </param>
    public static NatProvider For(string? instanceType, IMachineImage? image = null) =>
        instanceType is null
            ? NatProvider.Gateway()
            : NatProvider.InstanceV2(new NatInstanceProps
            {
                InstanceType = new InstanceType(instanceType),
                MachineImage = image ?? MachineImage.LatestAmazonLinux2023(new AmazonLinux2023ImageSsmParameterProps
                {
                    CpuType = new InstanceType(instanceType).Architecture == InstanceArchitecture.ARM_64 ? AmazonLinuxCpuType.ARM_64 : AmazonLinuxCpuType.X86_64,
                }),
                // Nothing may connect to the NAT instance from outside; the VPC's own subnets may send through it.
                DefaultAllowedTraffic = NatTrafficDirection.OUTBOUND_ONLY,
            });

    /// <summary>
    /// Brings the NAT instances (bare instances the CDK provider creates) to the rules every host here follows: IMDSv2
    /// only, an encrypted gp3 root, and only the VPC's own addresses admitted. Call after the VPC is built.
    /// </summary>
    /// <param name="vpcCidr">The VPC's CIDR as written in the environment file (a literal, so rules and cdk-nag can read it).</param>
    public static void Harden(NatProvider provider, Vpc vpc, string vpcCidr)
    {
        if (provider is not NatInstanceProviderV2 instances)
            return;
        instances.Connections.AllowFrom(Peer.Ipv4(vpcCidr), Port.AllTraffic(), "The VPC's private subnets send their outbound traffic through the NAT instance");
        Aspects.Of(vpc).Add(new InstanceRequireImdsv2Aspect());
        foreach (var instance in instances.GatewayInstances)
        {
            var cfn = (CfnInstance)instance.Node.DefaultChild!;
            // Amazon Linux 2023's root is 8 GiB; encrypted like every other volume here (the AMI's own is not).
            cfn.AddPropertyOverride("BlockDeviceMappings", new[]
            {
                new Dictionary<string, object>
                {
                    ["DeviceName"] = "/dev/xvda",
                    ["Ebs"] = new Dictionary<string, object> { ["Encrypted"] = true, ["VolumeType"] = "gp3", ["VolumeSize"] = 8, ["DeleteOnTermination"] = true },
                },
            });
            Nag.Suppress(instance,
                new NagSuppression("AwsSolutions-EC28",
                    "A NAT instance has no scaling or alarm that reads 1-minute metrics; the 5-minute basic metrics suffice and detailed monitoring would cost more than the instance."),
                new NagSuppression("AwsSolutions-EC29",
                    "A NAT instance holds no data: a lost one is recreated by the next deploy, and EC2's default automatic recovery restarts it on a host failure; termination protection would block that replacement."));
        }
    }
}
