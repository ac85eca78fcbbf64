using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Constructs;

namespace Groundwork.Infra.BuildingBlocks;

/// <summary>The one way this architecture launches EC2: Amazon Linux 2023, IMDSv2 only, encrypted gp3 EBS.</summary>
public static class Ec2Hosts
{
    public static IMachineImage AmazonLinux2023() =>
        MachineImage.LatestAmazonLinux2023(new AmazonLinux2023ImageSsmParameterProps { CpuType = AmazonLinuxCpuType.X86_64 });

    public static BlockDevice EncryptedRoot(int sizeGiB = 20) => new BlockDevice
    {
        DeviceName = "/dev/xvda",
        Volume = BlockDeviceVolume.Ebs(sizeGiB, new EbsDeviceOptions { Encrypted = true, VolumeType = EbsDeviceVolumeType.GP3, DeleteOnTermination = true }),
    };

    /// <summary>
    /// A role EC2 can assume, with the CloudWatch agent. Deliberately without AmazonSSMManagedInstanceCore: Session
    /// Manager and Run Command would be a second door beside the bastion that nothing names, restricts or logs; SSH
    /// through the bastion is the only way onto a host, and the deploy (migrate) no longer runs commands on instances.
    /// </summary>
    public static Role InstanceRole(Construct scope, string id, string description)
    {
        var role = new Role(scope, id, new RoleProps
        {
            AssumedBy = new ServicePrincipal("ec2.amazonaws.com"),
            Description = description,
            ManagedPolicies =
            [
                ManagedPolicy.FromAwsManagedPolicyName("CloudWatchAgentServerPolicy"),
            ],
        });
        Nag.Suppress(role, new NagSuppression("AwsSolutions-IAM4",
            "The AWS-maintained policy of the CloudWatch agent tracks the APIs the agent calls; a copy would drift.",
            "Policy::arn:<AWS::Partition>:iam::aws:policy/CloudWatchAgentServerPolicy"));
        return role;
    }

    /// <summary>
    /// The launch template every EC2 host of the architecture starts from (the app ASG, the bastion, the tool hosts):
    /// IMDSv2 required with a hop limit of 1 (containers and proxies on the host cannot reach the instance role's
    /// credentials), the encrypted gp3 root, the instance role and the host's user data.
    /// </summary>
    /// <param name="image">The AMI; the latest Amazon Linux 2023 when null (hosts whose replacement loses nothing).</param>
    /// <param name="detailedMonitoring">
    /// 1-minute EC2 metrics ($2.10 an instance a month): for groups that scale on CPU; hosts of one (bastion, Metabase,
    /// Jenkins, Sentry) have no scaling or alarm reading them.
    /// </param>
    /// <param name="keyPair">An SSH key pair for hosts something logs in to by key (the Jenkins build agent); none by default.</param>
    public static LaunchTemplate LaunchTemplate(Construct scope, string id, string name, string instanceType,
        ISecurityGroup securityGroup, IRole role, Amazon.CDK.AWS.EC2.UserData userData, IMachineImage? image = null, int rootGiB = 20,
        bool detailedMonitoring = true, IKeyPair? keyPair = null) =>
        new(scope, id, new LaunchTemplateProps
        {
            LaunchTemplateName = name,
            MachineImage = image ?? AmazonLinux2023(),
            InstanceType = new InstanceType(instanceType),
            SecurityGroup = securityGroup,
            Role = role,
            UserData = userData,
            RequireImdsv2 = true,
            HttpTokens = LaunchTemplateHttpTokens.REQUIRED,
            HttpPutResponseHopLimit = 1,
            BlockDevices = [EncryptedRoot(rootGiB)],
            DetailedMonitoring = detailedMonitoring,
            KeyPair = keyPair,
        });
}
