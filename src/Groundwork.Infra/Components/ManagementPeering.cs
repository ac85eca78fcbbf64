using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Constructs;
using Groundwork.Infra.BuildingBlocks;

namespace Groundwork.Infra.Components;

/// <param name="Name">The peering connection's Name tag.</param>
/// <param name="PeeredTiers">The environment's subnet tiers routed to the management tools tier (and back); no other.</param>
public sealed record ManagementPeeringProps(string Name, IVpc Vpc, IVpc ManagementVpc, IReadOnlyList<string> PeeredTiers)
{
    public string ManagementTier { get; init; } = Tiers.Tools;
}

/// <summary>
/// The peering between an environment VPC and the management VPC, with routes only between the given tiers and the
/// management tools subnets, both ways. Who may use it is decided by security groups on either side.
/// </summary>
public sealed class ManagementPeering : Component
{
    public CfnVPCPeeringConnection Connection { get; }

    public ManagementPeering(Construct scope, string id, ManagementPeeringProps props) : base(scope, id)
    {
        Connection = new CfnVPCPeeringConnection(this, "ManagementPeering", new CfnVPCPeeringConnectionProps
        {
            VpcId = props.Vpc.VpcId,
            PeerVpcId = props.ManagementVpc.VpcId,
            Tags = [new CfnTag { Key = "Name", Value = props.Name }],
        });
        var toolsSubnets = props.ManagementVpc.SelectSubnets(new SubnetSelection { SubnetGroupName = props.ManagementTier }).Subnets;
        var peered = props.PeeredTiers.SelectMany(tier => props.Vpc.SelectSubnets(new SubnetSelection { SubnetGroupName = tier }).Subnets).ToList();
        foreach (var local in peered)
            foreach (var tools in toolsSubnets)
                Route($"{local.Node.Id}To{tools.Node.Id}", local.RouteTable.RouteTableId, tools.Ipv4CidrBlock);
        foreach (var tools in toolsSubnets)
            foreach (var local in peered)
                Route($"Management{tools.Node.Id}To{local.Node.Id}", tools.RouteTable.RouteTableId, local.Ipv4CidrBlock);
    }

    private void Route(string id, string routeTableId, string destination) =>
        _ = new CfnRoute(this, id, new CfnRouteProps
        {
            RouteTableId = routeTableId,
            DestinationCidrBlock = destination,
            VpcPeeringConnectionId = Connection.Ref,
        });
}
