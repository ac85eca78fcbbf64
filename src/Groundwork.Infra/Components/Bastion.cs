using Amazon.CDK.AWS.AutoScaling;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.SNS;
using Constructs;
using Groundwork.Infra.BuildingBlocks;

namespace Groundwork.Infra.Components;

/// <param name="Name">The group's and launch template's name.</param>
/// <param name="SecurityGroup">Admits SSH from the allowlisted networks only (TierSecurityGroups.Bastion).</param>
public sealed record BastionProps(string Name, IVpc Vpc, ISecurityGroup SecurityGroup)
{
    public string InstanceType { get; init; } = "t4g.nano";
    public string SubnetGroup { get; init; } = Tiers.Public;
    public ITopic? Notifications { get; init; }
    public string? RoleDescription { get; init; }
}

/// <summary>
/// The bastion (architecture #10): exactly one host in its own Auto Scaling group (replaced when it fails), in the public
/// subnets, the only SSH entry to the private tiers. Its role has the CloudWatch agent and nothing else.
/// </summary>
public sealed class Bastion : Component
{
    public AutoScalingGroup Group { get; }

    public Bastion(Construct scope, string id, BastionProps props) : base(scope, id)
    {
        var role = Ec2Hosts.InstanceRole(this, "BastionRole", props.RoleDescription ?? $"{props.Name} bastion");
        var userData = Amazon.CDK.AWS.EC2.UserData.ForLinux();
        userData.AddCommands("dnf upgrade -y --security");
        var template = Ec2Hosts.LaunchTemplate(this, "BastionTemplate", props.Name, props.InstanceType, props.SecurityGroup, role, userData,
            detailedMonitoring: false);
        Group = new AutoScalingGroup(this, "Bastion", new AutoScalingGroupProps
        {
            AutoScalingGroupName = props.Name,
            Vpc = props.Vpc,
            VpcSubnets = new SubnetSelection { SubnetGroupName = props.SubnetGroup },
            LaunchTemplate = template,
            MinCapacity = 1,
            MaxCapacity = 1,
            Notifications = props.Notifications is { } topic ? [new NotificationConfiguration { Topic = topic }] : null,
        });
    }
}
