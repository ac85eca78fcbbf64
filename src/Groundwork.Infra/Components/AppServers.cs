using Amazon.CDK;
using Amazon.CDK.AWS.AutoScaling;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SecretsManager;
using Amazon.CDK.AWS.SNS;
using Constructs;
using Groundwork.Infra.BuildingBlocks;
using Groundwork.Infra.UserData;
using HealthCheck = Amazon.CDK.AWS.AutoScaling.HealthCheck;

namespace Groundwork.Infra.Components;

public sealed record AppServersProps
{
    /// <summary>The group's and launch template's name.</summary>
    public required string Name { get; init; }
    public required IVpc Vpc { get; init; }
    public required ISecurityGroup SecurityGroup { get; init; }
    public required string InstanceType { get; init; }
    public required IApplicationTargetGroup Targets { get; init; }
    /// <summary>The management stack's artifacts bucket: the servers read <c>groundwork-*</c> objects only.</summary>
    public required string ArtifactsBucketName { get; init; }
    /// <summary>The secrets the servers may read (GetSecretValue), in the order they are granted.</summary>
    public required IReadOnlyList<ISecret> ReadableSecrets { get; init; }
    /// <summary>The parameter path the servers read their configuration from, and its ARN pattern.</summary>
    public required string ParameterArn { get; init; }
    /// <summary>The user data, given the stack name and logical id of the group that waits for the instance's signal.</summary>
    public required Func<string, string, AppServerUserDataSettings> UserData { get; init; }
    public string SubnetGroup { get; init; } = Tiers.App;
    public int MinCapacity { get; init; } = 2;
    public int MaxCapacity { get; init; } = 4;
    public double TargetCpuPercent { get; init; } = 60;
    public ITopic? Notifications { get; init; }
    public string? RoleDescription { get; init; }
    /// <summary>Resources the servers read at boot (parameters): created first.</summary>
    public IReadOnlyList<IDependable> BootDependencies { get; init; } = [];
}

/// <summary>
/// The app servers (architecture #6, #11): an Auto Scaling group over the app subnets from a launch template (IMDSv2,
/// encrypted root), behind the load balancer's target group, scaling on CPU. Creation and every update wait for each new
/// instance's signal (sent after /health/ready); a rolling update keeps min capacity in service and rolls back on a
/// failed signal. Their instance role reads versioned artifacts, the given secrets and the environment's parameters, nothing else.
/// </summary>
public sealed class AppServers : Component
{
    public AutoScalingGroup Group { get; }
    public Role Role { get; }

    public AppServers(Construct scope, string id, AppServersProps props) : base(scope, id)
    {
        Role = InstanceRole(props);
        var userData = Amazon.CDK.AWS.EC2.UserData.ForLinux();
        var template = Ec2Hosts.LaunchTemplate(this, "AppServerTemplate", props.Name, props.InstanceType, props.SecurityGroup, Role, userData);
        Group = new AutoScalingGroup(this, "AppServers", new AutoScalingGroupProps
        {
            AutoScalingGroupName = props.Name,
            Vpc = props.Vpc,
            VpcSubnets = new SubnetSelection { SubnetGroupName = props.SubnetGroup },
            LaunchTemplate = template,
            MinCapacity = props.MinCapacity,
            MaxCapacity = props.MaxCapacity,
            Notifications = props.Notifications is { } topic ? [new NotificationConfiguration { Topic = topic }] : null,
            HealthCheck = HealthCheck.Elb(new ElbHealthCheckOptions { Grace = Duration.Minutes(5) }),
            // Creation and every update wait for each new instance's cfn-signal (sent after /health/ready).
            Signals = Signals.WaitForMinCapacity(new SignalsOptions { Timeout = Duration.Minutes(15) }),
            // Zero downtime: keep min capacity in service, replace one instance at a time, roll back on a failed signal.
            UpdatePolicy = UpdatePolicy.RollingUpdate(new RollingUpdateOptions
            {
                MaxBatchSize = 1,
                MinInstancesInService = props.MinCapacity,
                WaitOnResourceSignals = true,
                PauseTime = Duration.Minutes(15),
            }),
        });
        Group.AttachToApplicationTargetGroup(props.Targets);
        Group.ScaleOnCpuUtilization("CpuTarget", new CpuUtilizationScalingProps { TargetUtilizationPercent = props.TargetCpuPercent });
        foreach (var dependency in props.BootDependencies) Group.Node.AddDependency(dependency);

        var stack = Stack.Of(this);
        var script = AppServerUserData.Render(props.UserData(stack.StackName, stack.GetLogicalId((CfnElement)Group.Node.DefaultChild!)));
        // UserData.ForLinux writes the shebang itself.
        userData.AddCommands(script.Split('\n').Skip(1).ToArray());
    }

    private Role InstanceRole(AppServersProps props)
    {
        var role = Ec2Hosts.InstanceRole(this, "AppServerRole", props.RoleDescription ?? $"{props.Name} app servers");
        Bucket.FromBucketName(this, "Artifacts", props.ArtifactsBucketName).GrantRead(role, "groundwork-*");
        foreach (var secret in props.ReadableSecrets) secret.GrantRead(role);
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps { Actions = ["ssm:GetParameter", "ssm:GetParameters"], Resources = [props.ParameterArn] }));
        Nag.Suppress(role, new NagSuppression("AwsSolutions-IAM5",
            "App servers read only their environment's parameter path and versioned artifacts (groundwork-<version>.tar.gz); the S3 actions are the CDK read grant.",
            $"Resource::{props.ParameterArn}", "Action::s3:GetBucket*", "Action::s3:GetObject*", "Action::s3:List*",
            $"Resource::arn:<AWS::Partition>:s3:::{props.ArtifactsBucketName}/groundwork-*"));
        return role;
    }
}
