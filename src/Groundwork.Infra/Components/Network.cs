using Amazon.CDK.AWS.EC2;
using Constructs;
using Groundwork.Infra.BuildingBlocks;

namespace Groundwork.Infra.Components;

/// <param name="Name">The VPC's name.</param>
/// <param name="Subnets">The subnet tiers (one subnet per tier and AZ).</param>
/// <param name="S3EndpointSubnets">The tiers whose route tables get the S3 gateway endpoint.</param>
public sealed record NetworkProps(string Name, string Cidr, IReadOnlyList<string> AvailabilityZones,
    IReadOnlyList<SubnetConfiguration> Subnets, IReadOnlyList<SubnetSelection> S3EndpointSubnets)
{
    /// <summary>Null: managed NAT gateways. Otherwise NAT instances of this type (a tenth of the price, one instance's
    /// availability).</summary>
    public string? NatInstanceType { get; init; }
    /// <summary>The NAT instances' AMI; the latest Amazon Linux 2023 when null.</summary>
    public IMachineImage? NatImage { get; init; }
    /// <summary>One per AZ (production) unless fewer are given.</summary>
    public int? NatGateways { get; init; }
    public string? NatSubnetGroup { get; init; }
}

/// <summary>
/// The network (architecture #1–#3): a VPC with its subnet tiers across the AZs, NAT for the private tiers' outbound
/// traffic (gateways, or hardened NAT instances: IMDSv2, encrypted root, only the VPC admitted), the S3 gateway endpoint
/// on the given tiers' route tables, and flow logs of all traffic to CloudWatch Logs.
/// </summary>
public sealed class Network : Component
{
    public Vpc Vpc { get; }

    public Network(Construct scope, string id, NetworkProps props) : base(scope, id)
    {
        var nat = NatProviders.For(props.NatInstanceType, props.NatImage);
        Vpc = new Vpc(this, "Vpc", new VpcProps
        {
            VpcName = props.Name,
            IpAddresses = IpAddresses.Cidr(props.Cidr),
            AvailabilityZones = props.AvailabilityZones.ToArray(),
            NatGatewayProvider = nat,
            NatGateways = props.NatGateways,
            NatGatewaySubnets = props.NatSubnetGroup is { } natSubnets ? new SubnetSelection { SubnetGroupName = natSubnets } : null,
            SubnetConfiguration = props.Subnets.ToArray(),
            GatewayEndpoints = new Dictionary<string, IGatewayVpcEndpointOptions>
            {
                // The tiers reach S3 (artifacts, logs, backups) without the NAT.
                ["S3"] = new GatewayVpcEndpointOptions { Service = GatewayVpcEndpointAwsService.S3, Subnets = props.S3EndpointSubnets.ToArray() },
            },
            FlowLogs = new Dictionary<string, IFlowLogOptions>
            {
                ["All"] = new FlowLogOptions { TrafficType = FlowLogTrafficType.ALL, Destination = FlowLogDestination.ToCloudWatchLogs() },
            },
        });
        NatProviders.Harden(nat, Vpc, props.Cidr);
    }
}
