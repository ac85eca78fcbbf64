using Amazon.CDK;
using Amazon.CDK.AWS.AutoScaling;
using Amazon.CDK.AWS.Backup;
using Amazon.CDK.AWS.CertificateManager;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Route53;
using Amazon.CDK.AWS.Route53.Targets;
using Amazon.CDK.AWS.S3;
using BackupSchedule = Amazon.CDK.AWS.Events.Schedule;
using CronOptions = Amazon.CDK.AWS.Events.CronOptions;
using EbsDeviceVolumeType = Amazon.CDK.AWS.EC2.EbsDeviceVolumeType;
using HealthCheck = Amazon.CDK.AWS.AutoScaling.HealthCheck;
using TargetHealthCheck = Amazon.CDK.AWS.ElasticLoadBalancingV2.HealthCheck;
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
    /// <summary>Sentry's web/ingest port on its host (self-hosted Sentry's nginx), reached only by the ingest ALB.</summary>
    public const int SentryPort = 9000;
    /// <summary>
    /// Sentry's ingest as the app tiers reach it: HTTPS on an internal ALB with an ACM certificate for
    /// <see cref="SentryHost"/>. Environments add their app subnets to this group's port 443.
    /// </summary>
    public SecurityGroup SentryIngestSecurityGroup { get; }
    public const int SentryIngestPort = 443;
    public string SentryHost { get; }
    /// <summary>The tool hosts' retained data volumes (Jenkins home, Sentry's databases), snapshotted daily.</summary>
    public List<Volume> DataVolumes { get; } = [];

    public ManagementStack(Construct scope, string id, ManagementSettings settings,
        IReadOnlyList<EnvironmentSettings> environments, IStackProps props) : base(scope, id, props)
    {
        // The pinned AMI here too: nothing in the management stack changes because AWS published an image.
        var nat = NatProviders.For(settings.NatInstanceType,
            MachineImage.GenericLinux(new Dictionary<string, string> { [settings.Region] = settings.ToolHostAmi }));
        Vpc = new Vpc(this, "Vpc", new VpcProps
        {
            VpcName = "groundwork-management",
            IpAddresses = IpAddresses.Cidr(settings.VpcCidr),
            AvailabilityZones = settings.AvailabilityZones.ToArray(),
            NatGatewayProvider = nat,
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

        NatProviders.Harden(nat, Vpc, settings.VpcCidr);

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
            Vpc = Vpc, Description = "Sentry host: 9000 from the ingest ALB only; SSH from environment bastions over peering",
        });

        JenkinsRole = Hosts.InstanceRole(this, "JenkinsRole", "Jenkins controller: writes artifacts, assumes the environment deploy roles");
        ArtifactsBucket.GrantReadWrite(JenkinsRole, "groundwork-*");
        ToolHost("Jenkins", settings.Jenkins, settings, JenkinsSecurityGroup, JenkinsRole, JenkinsStart, Duration.Minutes(30));

        SentryHost = settings.SentryHost;
        var sentryRole = Hosts.InstanceRole(this, "SentryRole", "Sentry host: attaches its data volume; CloudWatch");
        // Sentry's first install pulls and migrates dozens of images: the signal may take most of an hour.
        // Behind the ingest ALB, the ALB's health check is the truth: a Sentry whose nginx stops answering is replaced
        // (the grace covers a first install).
        var sentry = ToolHost("Sentry", settings.Sentry, settings, SentrySecurityGroup, sentryRole, SentryStart, Duration.Minutes(60),
            HealthCheck.Elb(new ElbHealthCheckOptions { Grace = Duration.Minutes(60) }));
        SentryIngestSecurityGroup = SentryIngest(settings, sentry);

        ToolDataBackup(settings);

        foreach (var environment in environments)
            DeployRole(environment);

        Nag.Suppress(JenkinsRole, new NagSuppression("AwsSolutions-IAM5",
            "Jenkins uploads artifacts of any version: object keys are versioned names under groundwork-*; the S3 actions are the CDK grant's minimal read/write set.",
            "Action::s3:GetBucket*", "Action::s3:GetObject*", "Action::s3:List*", "Action::s3:DeleteObject*", "Action::s3:Abort*",
            $"Resource::<{Nag.LogicalId(ArtifactsBucket)}.Arn>/groundwork-*"));
    }

    /// <summary>
    /// One tool host that survives replacement: an Auto Scaling group of exactly one instance, in the AZ of its data
    /// volume, from the pinned AMI. The volume (Jenkins home, Sentry's databases) is a separate, retained resource; the
    /// instance attaches it at boot. An AMI or launch-template change is a rolling update that terminates the old
    /// instance first (max size 1), which frees the volume, then waits for the new instance's signal, sent only
    /// once the volume is attached and mounted and the tool started: a host that cannot get its data fails the update,
    /// and CloudFormation rolls back. (A fixed instance with a VolumeAttachment cannot do this: CloudFormation creates
    /// the replacement instance and the new attachment while the old instance still holds the volume.)
    /// </summary>
    private AutoScalingGroup ToolHost(string name, ToolHostSettings host, ManagementSettings settings, ISecurityGroup securityGroup,
        Role role, Func<string[]> start, Duration startTimeout, HealthCheck? healthCheck = null)
    {
        var az = Vpc.AvailabilityZones[0];
        var lower = name.ToLowerInvariant();
        // The state lives on its own volume: it survives instance replacement, and stack deletion.
        var data = new Volume(this, $"{name}Data", new VolumeProps
        {
            AvailabilityZone = az,
            Size = Size.Gibibytes(host.DataVolumeGiB),
            VolumeType = EbsDeviceVolumeType.GP3,
            Encrypted = true,
            RemovalPolicy = RemovalPolicy.RETAIN,
            VolumeName = $"groundwork-{lower}-data",
        });
        DataVolumes.Add(data);
        var groupName = $"groundwork-{lower}";

        // The instance may attach exactly this volume, and only to an instance of its own group.
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["ec2:AttachVolume"],
            Resources = [$"arn:aws:ec2:{settings.Region}:{settings.Account}:volume/{data.VolumeId}"],
        }));
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["ec2:AttachVolume"],
            Resources = [$"arn:aws:ec2:{settings.Region}:{settings.Account}:instance/*"],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["ec2:ResourceTag/aws:autoscaling:groupName"] = groupName },
            },
        }));
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps { Actions = ["ec2:DescribeVolumes"], Resources = ["*"] }));
        Nag.Suppress(role, new NagSuppression("AwsSolutions-IAM5",
            "AttachVolume on instances only where the instance carries this tool host's aws:autoscaling:groupName tag (its own group; aws: tags are set by AWS only); DescribeVolumes has no resource-level permissions.",
            $"Resource::arn:aws:ec2:{settings.Region}:{settings.Account}:instance/*", "Resource::*"));

        var userData = Amazon.CDK.AWS.EC2.UserData.ForLinux();
        // Pinned in management.json: a new AMI is a deliberate change (docs/infrastructure.md).
        var template = Hosts.LaunchTemplate(this, $"{name}Template", groupName, host.InstanceType, securityGroup, role, userData,
            MachineImage.GenericLinux(new Dictionary<string, string> { [settings.Region] = settings.ToolHostAmi }), rootGiB: 30, detailedMonitoring: false);
        var group = new AutoScalingGroup(this, name, new AutoScalingGroupProps
        {
            AutoScalingGroupName = groupName,
            Vpc = Vpc,
            VpcSubnets = new SubnetSelection { SubnetGroupName = Tiers.Tools, AvailabilityZones = [az] },
            LaunchTemplate = template,
            MinCapacity = 1,
            MaxCapacity = 1,
            HealthCheck = healthCheck ?? HealthCheck.Ec2(),
            Signals = Signals.WaitForMinCapacity(new SignalsOptions { Timeout = startTimeout }),
            UpdatePolicy = UpdatePolicy.RollingUpdate(new RollingUpdateOptions
            {
                MaxBatchSize = 1,
                // Zero: the volume attaches to one instance at a time, so the old host goes before the new one comes.
                MinInstancesInService = 0,
                WaitOnResourceSignals = true,
                PauseTime = startTimeout,
            }),
        });
        Amazon.CDK.Tags.Of(group).Add("Name", groupName);
        Nag.Suppress(group, new NagSuppression("AwsSolutions-AS3",
            "A group of one tool host: replacement is visible as the host's own outage and in CloudTrail; no scaling activity to notify about."));

        var signal = GetLogicalId((CfnElement)group.Node.DefaultChild!);
        userData.AddCommands(
            "set -euo pipefail",
            $"REGION={settings.Region}",
            // cfn-signal comes from aws-cfn-bootstrap; the exit trap reports failure too, so a failed boot fails the update now.
            "dnf install -y aws-cfn-bootstrap",
            $"signal() {{ /opt/aws/bin/cfn-signal --exit-code \"$1\" --stack {StackName} --resource {signal} --region \"$REGION\" || true; }}",
            "trap 'signal $?' EXIT",
            "IMDS_TOKEN=$(curl -fsS -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')",
            "INSTANCE_ID=$(curl -fsS -H \"X-aws-ec2-metadata-token: $IMDS_TOKEN\" http://169.254.169.254/latest/meta-data/instance-id)",
            $"VOLUME_ID={data.VolumeId}",
            "DEVICE=/dev/xvdf",
            // The volume is free once the previous host has terminated (the update and Auto Scaling terminate it first).
            "ATTACHED_TO=$(aws ec2 describe-volumes --region \"$REGION\" --volume-ids \"$VOLUME_ID\" --query 'Volumes[0].Attachments[0].InstanceId' --output text)",
            "if [ \"$ATTACHED_TO\" != \"$INSTANCE_ID\" ]; then",
            "  aws ec2 wait volume-available --region \"$REGION\" --volume-ids \"$VOLUME_ID\"",
            "  aws ec2 attach-volume --region \"$REGION\" --volume-id \"$VOLUME_ID\" --instance-id \"$INSTANCE_ID\" --device \"$DEVICE\"",
            "fi",
            "for _ in $(seq 1 60); do [ -e \"$DEVICE\" ] && break; sleep 2; done",
            // A new volume has no file system yet; an existing one is never reformatted.
            "blkid \"$DEVICE\" || mkfs -t xfs \"$DEVICE\"");
        userData.AddCommands(start());
        return group;
    }

    /// <summary>
    /// TLS for Sentry's ingest: an internal ALB in the tools subnets with an ACM certificate for sentry.&lt;domain&gt;
    /// (validated in the public zone; the name resolves to the ALB's private addresses, reached over peering). The SDKs
    /// on the app servers verify it against the public CA chain like any HTTPS endpoint. The Sentry host itself
    /// listens on 9000 to this ALB only.
    /// </summary>
    private SecurityGroup SentryIngest(ManagementSettings settings, AutoScalingGroup sentry)
    {
        var ingest = new SecurityGroup(this, "SentryIngestSecurityGroup", new SecurityGroupProps
        {
            Vpc = Vpc,
            Description = "Sentry ingest ALB (TLS): 443 from environment app tiers over peering",
            AllowAllOutbound = false,
        });
        var zone = HostedZone.FromHostedZoneAttributes(this, "Zone", new HostedZoneAttributes { HostedZoneId = settings.HostedZoneId, ZoneName = settings.Domain });
        var certificate = new Certificate(this, "SentryCertificate", new CertificateProps
        {
            DomainName = SentryHost,
            Validation = CertificateValidation.FromDns(zone),
        });
        var logs = Buckets.AccessLogBucket(this, "SentryIngestLogs", retain: true);
        var alb = new ApplicationLoadBalancer(this, "SentryIngest", new ApplicationLoadBalancerProps
        {
            LoadBalancerName = "groundwork-sentry-ingest",
            Vpc = Vpc,
            InternetFacing = false,
            VpcSubnets = new SubnetSelection { SubnetGroupName = Tiers.Tools },
            SecurityGroup = ingest,
            DropInvalidHeaderFields = true,
        });
        alb.LogAccessLogs(logs, "sentry-ingest");
        var targets = new ApplicationTargetGroup(this, "SentryTargets", new ApplicationTargetGroupProps
        {
            TargetGroupName = "groundwork-sentry",
            Vpc = Vpc,
            Port = SentryPort,
            Protocol = ApplicationProtocol.HTTP,
            TargetType = TargetType.INSTANCE,
            HealthCheck = new TargetHealthCheck { Path = "/_health/", HealthyHttpCodes = "200", Interval = Duration.Seconds(30) },
        });
        sentry.AttachToApplicationTargetGroup(targets);
        alb.AddListener("Https", new BaseApplicationListenerProps
        {
            Port = SentryIngestPort,
            Protocol = ApplicationProtocol.HTTPS,
            Open = false,
            Certificates = [ListenerCertificate.FromCertificateManager(certificate)],
            SslPolicy = SslPolicy.RECOMMENDED_TLS,
            DefaultAction = ListenerAction.Forward([targets]),
        });
        new ARecord(this, "SentryRecord", new ARecordProps
        {
            Zone = zone, RecordName = SentryHost, Target = RecordTarget.FromAlias(new LoadBalancerTarget(alb)),
        });
        return ingest;
    }

    /// <summary>AWS Backup snapshots the tool hosts' data volumes every night and keeps them for the configured days.</summary>
    private void ToolDataBackup(ManagementSettings settings)
    {
        var vault = new BackupVault(this, "ToolDataVault", new BackupVaultProps
        {
            BackupVaultName = "groundwork-tool-data",
            RemovalPolicy = RemovalPolicy.RETAIN,
        });
        var plan = new BackupPlan(this, "ToolDataBackup", new BackupPlanProps
        {
            BackupPlanName = "groundwork-tool-data",
            BackupVault = vault,
            BackupPlanRules =
            [
                new BackupPlanRule(new BackupPlanRuleProps
                {
                    RuleName = "Daily",
                    ScheduleExpression = BackupSchedule.Cron(new CronOptions { Hour = "3", Minute = "0" }),
                    StartWindow = Duration.Hours(1),
                    CompletionWindow = Duration.Hours(8),
                    DeleteAfter = Duration.Days(settings.ToolDataBackupRetentionDays),
                }),
            ],
        });
        var selection = plan.AddSelection("ToolDataVolumes", new BackupSelectionOptions
        {
            BackupSelectionName = "tool-data-volumes",
            Resources = DataVolumes.Select(v => BackupResource.FromArn($"arn:aws:ec2:{settings.Region}:{settings.Account}:volume/{v.VolumeId}")).ToArray(),
        });
        Nag.Suppress(selection, new NagSuppression("AwsSolutions-IAM4",
            "AWSBackupServiceRolePolicyForBackup is the AWS-maintained policy AWS Backup needs to snapshot EBS volumes; a copy would drift.",
            "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"));
    }

    private static string[] MountData(string mountPoint) =>
    [
        $"mkdir -p {mountPoint}",
        $"grep -q '{mountPoint}' /etc/fstab || echo \"/dev/xvdf {mountPoint} xfs defaults,nofail 0 2\" >> /etc/fstab",
        "mount -a",
        $"mountpoint -q {mountPoint}",
    ];

    private static string[] JenkinsStart() =>
    [
        .. MountData("/var/lib/jenkins"),
        "curl -fsSL -o /etc/yum.repos.d/jenkins.repo https://pkg.jenkins.io/redhat-stable/jenkins.repo",
        "rpm --import https://pkg.jenkins.io/redhat-stable/jenkins.io-2023.key",
        "dnf install -y java-21-amazon-corretto-headless jenkins git nodejs npm dotnet-sdk-10.0",
        "chown -R jenkins:jenkins /var/lib/jenkins",
        "systemctl enable --now jenkins",
    ];

    private string[] SentryStart() =>
    [
        .. MountData("/var/lib/docker"),
        "dnf install -y docker git",
        "mkdir -p /usr/local/lib/docker/cli-plugins",
        "curl -fsSL -o /usr/local/lib/docker/cli-plugins/docker-compose https://github.com/docker/compose/releases/download/v2.29.7/docker-compose-linux-x86_64",
        "chmod +x /usr/local/lib/docker/cli-plugins/docker-compose",
        "systemctl enable --now docker",
        "[ -d /opt/sentry ] || git clone --branch 24.10.0 --depth 1 https://github.com/getsentry/self-hosted.git /opt/sentry",
        // DSNs and links name the TLS endpoint (the internal ALB with the ACM certificate), never the plain port.
        "cd /opt/sentry && SKIP_USER_CREATION=1 ./install.sh --no-report-self-hosted-issues",
        $"sed -i '/^system.url-prefix:/d' /opt/sentry/sentry/config.yml && echo \"system.url-prefix: 'https://{SentryHost}'\" >> /opt/sentry/sentry/config.yml",
        "cd /opt/sentry && docker compose up -d",
    ];

    /// <summary>The role Jenkins' deploy job assumes for one environment: it may only drive the CDK bootstrap roles.</summary>
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
