using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.S3;
using Constructs;
using Groundwork.Infra.Configuration;
using Groundwork.Infra.Constructs;

namespace Groundwork.Infra.Stacks;

/// <summary>
/// Shared by every environment: the management VPC with the Jenkins controller and the self-hosted Sentry host,
/// the artifacts bucket (the build job writes, environments read) and one deploy role per environment for Jenkins.
/// </summary>
public sealed class ManagementStack : Stack
{
    public Vpc Vpc { get; }
    public SecurityGroup JenkinsSecurityGroup { get; }
    public SecurityGroup SentrySecurityGroup { get; }
    public Bucket ArtifactsBucket { get; }
    public Role JenkinsRole { get; }
    /// <summary>Sentry's web/ingest port (self-hosted Sentry's nginx).</summary>
    public const int SentryPort = 9000;

    public ManagementStack(Construct scope, string id, ManagementSettings settings,
        IReadOnlyList<EnvironmentSettings> environments, IStackProps props) : base(scope, id, props)
    {
        Vpc = new Vpc(this, "Vpc", new VpcProps
        {
            VpcName = "groundwork-management",
            IpAddresses = IpAddresses.Cidr(settings.VpcCidr),
            AvailabilityZones = settings.AvailabilityZones.ToArray(),
            NatGateways = 1,
            SubnetConfiguration =
            [
                new SubnetConfiguration { Name = Tiers.Public, SubnetType = SubnetType.PUBLIC, CidrMask = 24 },
                new SubnetConfiguration { Name = Tiers.Tools, SubnetType = SubnetType.PRIVATE_WITH_EGRESS, CidrMask = 24 },
            ],
            GatewayEndpoints = new Dictionary<string, IGatewayVpcEndpointOptions>
            {
                ["S3"] = new GatewayVpcEndpointOptions
                {
                    Service = GatewayVpcEndpointAwsService.S3,
                    Subnets = [new SubnetSelection { SubnetType = SubnetType.PUBLIC }, new SubnetSelection { SubnetType = SubnetType.PRIVATE_WITH_EGRESS }],
                },
            },
            FlowLogs = new Dictionary<string, IFlowLogOptions>
            {
                ["All"] = new FlowLogOptions { TrafficType = FlowLogTrafficType.ALL, Destination = FlowLogDestination.ToCloudWatchLogs() },
            },
        });

        var accessLogs = Buckets.AccessLogBucket(this, "AccessLogs", retain: true, receivesS3ServerAccessLogs: true);
        ArtifactsBucket = new Bucket(this, "Artifacts", new BucketProps
        {
            BucketName = settings.ArtifactsBucketName,
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            Encryption = BucketEncryption.S3_MANAGED,
            EnforceSSL = true,
            Versioned = true,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
            ServerAccessLogsBucket = accessLogs,
            ServerAccessLogsPrefix = "artifacts/",
            LifecycleRules = [new LifecycleRule { Expiration = Duration.Days(settings.ArtifactRetentionDays), NoncurrentVersionExpiration = Duration.Days(30) }],
            RemovalPolicy = RemovalPolicy.RETAIN,
        });

        JenkinsSecurityGroup = new SecurityGroup(this, "JenkinsSecurityGroup", new SecurityGroupProps
        {
            Vpc = Vpc, Description = "Jenkins controller: no public ingress; SSH from environment bastions over peering",
        });
        SentrySecurityGroup = new SecurityGroup(this, "SentrySecurityGroup", new SecurityGroupProps
        {
            Vpc = Vpc, Description = "Sentry: ingest from environment app tiers over peering; SSH from bastions",
        });

        JenkinsRole = Hosts.InstanceRole(this, "JenkinsRole", "Jenkins controller: writes artifacts, assumes the environment deploy roles");
        ArtifactsBucket.GrantReadWrite(JenkinsRole, "groundwork-*");
        ToolHost("Jenkins", settings.Jenkins, JenkinsSecurityGroup, JenkinsRole, JenkinsUserData());

        var sentryRole = Hosts.InstanceRole(this, "SentryRole", "Sentry host: CloudWatch agent only");
        ToolHost("Sentry", settings.Sentry, SentrySecurityGroup, sentryRole, SentryUserData());

        foreach (var environment in environments)
            DeployRole(environment);

        Nag.Suppress(JenkinsRole, new NagSuppression("AwsSolutions-IAM5",
            "Jenkins uploads artifacts of any version: object keys are versioned names under groundwork-*; the S3 actions are the CDK grant's minimal read/write set.",
            "Action::s3:GetBucket*", "Action::s3:GetObject*", "Action::s3:List*", "Action::s3:DeleteObject*", "Action::s3:Abort*",
            $"Resource::<{Nag.LogicalId(ArtifactsBucket)}.Arn>/groundwork-*"));
    }

    private void ToolHost(string name, ToolHostSettings host, ISecurityGroup securityGroup, IRole role, Amazon.CDK.AWS.EC2.UserData userData)
    {
        var az = Vpc.AvailabilityZones[0];
        var instance = new Instance_(this, name, new InstanceProps
        {
            Vpc = Vpc,
            VpcSubnets = new SubnetSelection { SubnetGroupName = Tiers.Tools, AvailabilityZones = [az] },
            InstanceType = new InstanceType(host.InstanceType),
            MachineImage = Hosts.AmazonLinux2023(),
            SecurityGroup = securityGroup,
            Role = role,
            RequireImdsv2 = true,
            BlockDevices = [Hosts.EncryptedRoot(30)],
            UserData = userData,
            DetailedMonitoring = true,
            InstanceName = $"groundwork-{name.ToLowerInvariant()}",
        });
        ((CfnInstance)instance.Node.DefaultChild!).DisableApiTermination = true;
        // The state (Jenkins home, Sentry's databases) lives on its own volume: it survives instance replacement.
        var data = new Volume(this, $"{name}Data", new VolumeProps
        {
            AvailabilityZone = az,
            Size = Size.Gibibytes(host.DataVolumeGiB),
            VolumeType = EbsDeviceVolumeType.GP3,
            Encrypted = true,
            RemovalPolicy = RemovalPolicy.RETAIN,
            VolumeName = $"groundwork-{name.ToLowerInvariant()}-data",
        });
        new CfnVolumeAttachment(this, $"{name}DataAttachment", new CfnVolumeAttachmentProps
        {
            InstanceId = instance.InstanceId, VolumeId = data.VolumeId, Device = "/dev/xvdf",
        });
    }

    private static Amazon.CDK.AWS.EC2.UserData MountData(string mountPoint)
    {
        var userData = Amazon.CDK.AWS.EC2.UserData.ForLinux();
        userData.AddCommands(
            "set -euo pipefail",
            "DEVICE=/dev/xvdf; for i in $(seq 1 60); do [ -e \"$DEVICE\" ] && break; sleep 2; done",
            "blkid \"$DEVICE\" || mkfs -t xfs \"$DEVICE\"",
            $"mkdir -p {mountPoint}",
            $"grep -q '{mountPoint}' /etc/fstab || echo \"$DEVICE {mountPoint} xfs defaults,nofail 0 2\" >> /etc/fstab",
            "mount -a");
        return userData;
    }

    private static Amazon.CDK.AWS.EC2.UserData JenkinsUserData()
    {
        var userData = MountData("/var/lib/jenkins");
        userData.AddCommands(
            "curl -fsSL -o /etc/yum.repos.d/jenkins.repo https://pkg.jenkins.io/redhat-stable/jenkins.repo",
            "rpm --import https://pkg.jenkins.io/redhat-stable/jenkins.io-2023.key",
            "dnf install -y java-21-amazon-corretto-headless jenkins git nodejs npm dotnet-sdk-10.0",
            "chown -R jenkins:jenkins /var/lib/jenkins",
            "systemctl enable --now jenkins");
        return userData;
    }

    private static Amazon.CDK.AWS.EC2.UserData SentryUserData()
    {
        var userData = MountData("/var/lib/docker");
        userData.AddCommands(
            "dnf install -y docker git",
            "mkdir -p /usr/local/lib/docker/cli-plugins",
            "curl -fsSL -o /usr/local/lib/docker/cli-plugins/docker-compose https://github.com/docker/compose/releases/download/v2.29.7/docker-compose-linux-x86_64",
            "chmod +x /usr/local/lib/docker/cli-plugins/docker-compose",
            "systemctl enable --now docker",
            "[ -d /opt/sentry ] || git clone --branch 24.10.0 --depth 1 https://github.com/getsentry/self-hosted.git /opt/sentry",
            "cd /opt/sentry && SKIP_USER_CREATION=1 ./install.sh --no-report-self-hosted-issues && docker compose up -d");
        return userData;
    }

    /// <summary>The role Jenkins' deploy and rotate-credentials jobs assume for one environment: here it may only drive the
    /// CDK bootstrap roles and read artifacts; the environment's stacks grant the rest on their own resources.</summary>
    private void DeployRole(EnvironmentSettings environment)
    {
        var role = new Role(this, $"DeployRole-{environment.Name}", new RoleProps
        {
            RoleName = DeployAccess.RoleName(environment.Name),
            AssumedBy = new ArnPrincipal(JenkinsRole.RoleArn),
            Description = $"Assumed by Jenkins to deploy Groundwork to {environment.Name}",
            MaxSessionDuration = Duration.Hours(2),
        });
        var regions = new[] { environment.Region, StaticSiteStack.CloudFrontRegion }.Distinct();
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["sts:AssumeRole"],
            Resources = regions.Select(r => $"arn:aws:iam::{environment.Account}:role/cdk-hnb659fds-*-{environment.Account}-{r}").ToArray(),
        }));
        ArtifactsBucket.GrantRead(role, "groundwork-*");
        // Everything else this role may do (read the database secrets for migrate and rotate-credentials, sync the web
        // build, invalidate CloudFront) is granted by the environment's own stacks on their exact resources (DeployAccess).
        JenkinsRole.AddToPolicy(new PolicyStatement(new PolicyStatementProps { Actions = ["sts:AssumeRole"], Resources = [role.RoleArn] }));
        Nag.Suppress(role, new NagSuppression("AwsSolutions-IAM5",
            "The deploy role may assume only the CDK bootstrap roles (deploy, file-publishing, lookup) of its own environment's account and regions, and read versioned artifacts.",
            regions.Select(r => $"Resource::arn:aws:iam::{environment.Account}:role/cdk-hnb659fds-*-{environment.Account}-{r}")
                .Concat(["Action::s3:GetBucket*", "Action::s3:GetObject*", "Action::s3:List*",
                    $"Resource::<{Nag.LogicalId(ArtifactsBucket)}.Arn>/groundwork-*"]).ToArray()));
    }
}
