using Amazon.CDK;
using Amazon.CDK.AWS.AutoScaling;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;
using Groundwork.Infra.BuildingBlocks;
using EbsDeviceVolumeType = Amazon.CDK.AWS.EC2.EbsDeviceVolumeType;
using HealthCheck = Amazon.CDK.AWS.AutoScaling.HealthCheck;

namespace Groundwork.Infra.Components;

/// <param name="Name">The tool's name ("Jenkins", "Sentry"): the prefix of its construct ids, and lower-cased its group name.</param>
/// <param name="Start">The boot commands after the data volume is attached: mount it and start the tool.</param>
public sealed record ToolHostProps(string Name, IVpc Vpc, ISecurityGroup SecurityGroup, Role Role, IMachineImage Image,
    string InstanceType, int DataVolumeGiB, Func<string[]> Start)
{
    public string SubnetGroup { get; init; } = Tiers.Tools;
    /// <summary>How long creation and updates wait for the host's signal.</summary>
    public Duration StartTimeout { get; init; } = Duration.Minutes(30);
    public HealthCheck? HealthCheck { get; init; }
    public int RootVolumeGiB { get; init; } = 30;
}

/// <summary>
/// A tool host that survives replacement (Jenkins, Sentry): an Auto Scaling group of exactly one instance, in the AZ of
/// its data volume, from a pinned AMI. The volume (Jenkins home, Sentry's databases) is a separate, encrypted, retained
/// resource; the instance attaches it at boot. An AMI or launch-template change is a rolling update that terminates the
/// old instance first (max size 1), which frees the volume, then waits for the new instance's signal, sent only once
/// the volume is attached and mounted and the tool started: a host that cannot get its data fails the update, and
/// CloudFormation rolls back. (A fixed instance with a VolumeAttachment cannot do this: CloudFormation creates the
/// replacement instance and the new attachment while the old instance still holds the volume.)
/// </summary>
public sealed class ToolHost : Component
{
    public AutoScalingGroup Group { get; }
    public Volume DataVolume { get; }
    public string GroupName { get; }

    public ToolHost(Construct scope, string id, ToolHostProps props) : base(scope, id)
    {
        var az = props.Vpc.AvailabilityZones[0];
        GroupName = $"groundwork-{props.Name.ToLowerInvariant()}";
        // The state lives on its own volume: it survives instance replacement, and stack deletion.
        DataVolume = new Volume(this, $"{props.Name}Data", new VolumeProps
        {
            AvailabilityZone = az,
            Size = Size.Gibibytes(props.DataVolumeGiB),
            VolumeType = EbsDeviceVolumeType.GP3,
            Encrypted = true,
            RemovalPolicy = RemovalPolicy.RETAIN,
            VolumeName = $"{GroupName}-data",
        });
        AllowAttachingTheVolume(props.Role);

        var userData = Amazon.CDK.AWS.EC2.UserData.ForLinux();
        var template = Ec2Hosts.LaunchTemplate(this, $"{props.Name}Template", GroupName, props.InstanceType, props.SecurityGroup, props.Role,
            userData, props.Image, rootGiB: props.RootVolumeGiB, detailedMonitoring: false);
        Group = new AutoScalingGroup(this, props.Name, new AutoScalingGroupProps
        {
            AutoScalingGroupName = GroupName,
            Vpc = props.Vpc,
            VpcSubnets = new SubnetSelection { SubnetGroupName = props.SubnetGroup, AvailabilityZones = [az] },
            LaunchTemplate = template,
            MinCapacity = 1,
            MaxCapacity = 1,
            HealthCheck = props.HealthCheck ?? HealthCheck.Ec2(),
            Signals = Signals.WaitForMinCapacity(new SignalsOptions { Timeout = props.StartTimeout }),
            UpdatePolicy = UpdatePolicy.RollingUpdate(new RollingUpdateOptions
            {
                MaxBatchSize = 1,
                // Zero: the volume attaches to one instance at a time, so the old host goes before the new one comes.
                MinInstancesInService = 0,
                WaitOnResourceSignals = true,
                PauseTime = props.StartTimeout,
            }),
        });
        Tags.Of(Group).Add("Name", GroupName);
        Nag.Suppress(Group, new NagSuppression("AwsSolutions-AS3",
            "A group of one tool host: replacement is visible as the host's own outage and in CloudTrail; no scaling activity to notify about."));
        userData.AddCommands(AttachVolume(Stack.Of(this).GetLogicalId((CfnElement)Group.Node.DefaultChild!)));
        userData.AddCommands(props.Start());
    }

    /// <summary>The instance may attach exactly this volume, and only to an instance of its own group.</summary>
    private void AllowAttachingTheVolume(Role role)
    {
        var stack = Stack.Of(this);
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["ec2:AttachVolume"],
            Resources = [$"arn:aws:ec2:{stack.Region}:{stack.Account}:volume/{DataVolume.VolumeId}"],
        }));
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["ec2:AttachVolume"],
            Resources = [$"arn:aws:ec2:{stack.Region}:{stack.Account}:instance/*"],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["ec2:ResourceTag/aws:autoscaling:groupName"] = GroupName },
            },
        }));
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps { Actions = ["ec2:DescribeVolumes"], Resources = ["*"] }));
        Nag.Suppress(role, new NagSuppression("AwsSolutions-IAM5",
            "AttachVolume on instances only where the instance carries this tool host's aws:autoscaling:groupName tag (its own group; aws: tags are set by AWS only); DescribeVolumes has no resource-level permissions.",
            $"Resource::arn:aws:ec2:{stack.Region}:{stack.Account}:instance/*", "Resource::*"));
    }

    /// <summary>Boot: signal the outcome whatever happens, wait for the volume to be free, attach it, format it only if new.</summary>
    private string[] AttachVolume(string signalResource) =>
    [
        "set -euo pipefail",
        $"REGION={Stack.Of(this).Region}",
        // cfn-signal comes from aws-cfn-bootstrap; the exit trap reports failure too, so a failed boot fails the update now.
        "dnf install -y aws-cfn-bootstrap",
        $"signal() {{ /opt/aws/bin/cfn-signal --exit-code \"$1\" --stack {Stack.Of(this).StackName} --resource {signalResource} --region \"$REGION\" || true; }}",
        "trap 'signal $?' EXIT",
        "IMDS_TOKEN=$(curl -fsS -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')",
        "INSTANCE_ID=$(curl -fsS -H \"X-aws-ec2-metadata-token: $IMDS_TOKEN\" http://169.254.169.254/latest/meta-data/instance-id)",
        $"VOLUME_ID={DataVolume.VolumeId}",
        "DEVICE=/dev/xvdf",
        // The volume is free once the previous host has terminated (the update and Auto Scaling terminate it first).
        "ATTACHED_TO=$(aws ec2 describe-volumes --region \"$REGION\" --volume-ids \"$VOLUME_ID\" --query 'Volumes[0].Attachments[0].InstanceId' --output text)",
        "if [ \"$ATTACHED_TO\" != \"$INSTANCE_ID\" ]; then",
        "  aws ec2 wait volume-available --region \"$REGION\" --volume-ids \"$VOLUME_ID\"",
        "  aws ec2 attach-volume --region \"$REGION\" --volume-id \"$VOLUME_ID\" --instance-id \"$INSTANCE_ID\" --device \"$DEVICE\"",
        "fi",
        "for _ in $(seq 1 60); do [ -e \"$DEVICE\" ] && break; sleep 2; done",
        // A new volume has no file system yet; an existing one is never reformatted.
        "blkid \"$DEVICE\" || mkfs -t xfs \"$DEVICE\"",
    ];

    /// <summary>Mount the attached data volume at <paramref name="mountPoint"/> (fstab, nofail) and check it is mounted.</summary>
    public static string[] MountData(string mountPoint) =>
    [
        $"mkdir -p {mountPoint}",
        $"grep -q '{mountPoint}' /etc/fstab || echo \"/dev/xvdf {mountPoint} xfs defaults,nofail 0 2\" >> /etc/fstab",
        "mount -a",
        $"mountpoint -q {mountPoint}",
    ];
    /// <summary>A tool's login, generated by CloudFormation (no Lambda) as JSON {username, password}.</summary>
    public static Secret Login(Construct scope, string id, string name, string username, string description)
    {
        var secret = new Secret(scope, id, new SecretProps
        {
            SecretName = name,
            Description = $"{description} (JSON: username, password); generated by CloudFormation",
            GenerateSecretString = new SecretStringGenerator
            {
                SecretStringTemplate = $"{{\"username\":\"{username}\"}}",
                GenerateStringKey = "password",
                // Letters and digits: the password travels through JSON, YAML and shells.
                ExcludePunctuation = true,
                PasswordLength = 32,
            },
        });
        Nag.Suppress(secret, new NagSuppression("AwsSolutions-SMG4",
            "A tool's own login, read by the tool's host at each boot (the tool is configured from it then): a rotation is a new version and a reboot, no Lambda."));
        return secret;
    }
}
