using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;
using Groundwork.Infra.Components;
using Groundwork.Infra.Configuration;
using Groundwork.Infra.BuildingBlocks;

namespace Groundwork.Infra.Stacks;

/// <summary>
/// Shared by every environment: the management VPC with the Jenkins controller and its build agents, the self-hosted
/// Sentry host, nightly backups of their data, the artifacts bucket (the build job writes, environments read) and one
/// deploy role per environment for Jenkins.
/// </summary>
public sealed class ManagementStack : ComponentStack
{
    public Vpc Vpc { get; }
    public SecurityGroup JenkinsSecurityGroup { get; }
    public SecurityGroup SentrySecurityGroup { get; }
    public Bucket ArtifactsBucket { get; }
    /// <summary>
    /// The role the Jenkins jobs run with: the Debian build agent's instance role (the controller runs no builds). It
    /// writes artifacts and assumes the environment deploy roles; no AWS keys are stored in Jenkins.
    /// </summary>
    public Role JenkinsRole { get; }
    public Secret JenkinsAdminSecret { get; }
    public KeyPair JenkinsAgentKey { get; }
    public Secret SentryAdminSecret { get; }
    /// <summary>Sentry's ingest ALB: environments add their app subnets to its port 443.</summary>
    public SecurityGroup SentryIngestSecurityGroup { get; }
    public string SentryHost { get; }
    /// <summary>The tool hosts' retained data volumes (Jenkins home, Sentry's databases), snapshotted daily.</summary>
    public IReadOnlyList<Volume> DataVolumes { get; }

    public ManagementStack(Construct scope, string id, ManagementSettings settings,
        IReadOnlyList<EnvironmentSettings> environments, IStackProps props) : base(scope, id, props)
    {
        Vpc = new Network(this, "Network", new NetworkProps("groundwork-management", settings.VpcCidr, settings.AvailabilityZones,
            [
                new SubnetConfiguration { Name = Tiers.Public, SubnetType = SubnetType.PUBLIC, CidrMask = 24 },
                new SubnetConfiguration { Name = Tiers.Tools, SubnetType = SubnetType.PRIVATE_WITH_EGRESS, CidrMask = 24 },
            ],
            [new SubnetSelection { SubnetType = SubnetType.PUBLIC }, new SubnetSelection { SubnetType = SubnetType.PRIVATE_WITH_EGRESS }])
        {
            NatInstanceType = settings.NatInstanceType,
            // The pinned AMI here too: nothing in the management stack changes because AWS published an image.
            NatImage = MachineImage.GenericLinux(new Dictionary<string, string> { [settings.Region] = settings.ToolHostAmi }),
            NatGateways = 1,
        }).Vpc;
        ArtifactsBucket = new ArtifactBucket(this, "Artifacts", new ArtifactBucketProps(settings.ArtifactsBucketName)
        {
            RetentionDays = settings.ArtifactRetentionDays,
        }).Bucket;

        // The tools' security groups are the stack's own: other groups' rules name them by construct path.
        JenkinsSecurityGroup = new SecurityGroup(this, "JenkinsSecurityGroup", new SecurityGroupProps
        {
            Vpc = Vpc, Description = "Jenkins controller: no public ingress; SSH from environment bastions over peering",
        });
        SentrySecurityGroup = new SecurityGroup(this, "SentrySecurityGroup", new SecurityGroupProps
        {
            Vpc = Vpc, Description = "Sentry host: 9000 from the ingest ALB only; SSH from environment bastions over peering",
        });
        SentryIngestSecurityGroup = new SecurityGroup(this, "SentryIngestSecurityGroup", new SecurityGroupProps
        {
            Vpc = Vpc, Description = "Sentry ingest ALB (TLS): 443 from environment app tiers over peering", AllowAllOutbound = false,
        });

        var jenkins = new Jenkins(this, "Jenkins", new JenkinsProps(settings, Vpc, ArtifactsBucket, JenkinsSecurityGroup));
        (JenkinsRole, JenkinsAdminSecret, JenkinsAgentKey) = (jenkins.JobRole, jenkins.AdminSecret, jenkins.AgentKey);
        var sentry = new SentryHost(this, "Sentry", new SentryHostProps(settings, Vpc, environments, SentrySecurityGroup, SentryIngestSecurityGroup));
        (SentryAdminSecret, SentryHost) = (sentry.AdminSecret, sentry.Host);

        DataVolumes = [jenkins.Controller.DataVolume, sentry.ToolHost.DataVolume];
        _ = new ToolDataBackup(this, "ToolDataBackup", new ToolDataBackupProps(DataVolumes) { RetentionDays = settings.ToolDataBackupRetentionDays });

        foreach (var environment in environments)
            _ = new DeployRole(this, $"Deploy-{environment.Name}", new DeployRoleProps(environment, JenkinsRole, ArtifactsBucket));
    }
}
