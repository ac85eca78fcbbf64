using Amazon.CDK;
using Amazon.CDK.AWS.AutoScaling;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;
using Groundwork.Infra.Configuration;
using Groundwork.Infra.BuildingBlocks;
using Groundwork.Infra.UserData;
using HealthCheck = Amazon.CDK.AWS.AutoScaling.HealthCheck;

namespace Groundwork.Infra.Components;

/// <param name="Settings">The management environment (AMIs, instance types, repository, artifacts bucket).</param>
/// <param name="Artifacts">The bucket the build job writes <c>groundwork-*</c> artifacts to.</param>
/// <param name="SecurityGroup">The controller's group (no public ingress). Made by the stack: groups that other groups
/// admit are named in their rules' logical ids by their construct path, which must not change.</param>
public sealed record JenkinsProps(ManagementSettings Settings, IVpc Vpc, IBucket Artifacts, SecurityGroup SecurityGroup);

/// <summary>
/// Deployment (architecture #15): the Jenkins controller (a <see cref="ToolHost"/> configured as code, no public
/// ingress) and its Debian build agent group, scaled from zero by the controller's EC2 Fleet cloud. The agent's
/// instance role is the one the jobs run with: it writes artifacts and assumes the environment deploy roles; no AWS
/// keys are stored in Jenkins.
/// </summary>
public sealed class Jenkins : Component
{
    public const int Port = 8080;
    public const string GroupName = "groundwork-jenkins";
    /// <summary>The build agent's Auto Scaling group: 0 instances until the controller's EC2 Fleet cloud asks for one.</summary>
    public const string AgentGroupName = "groundwork-jenkins-agent";

    public SecurityGroup SecurityGroup { get; }
    /// <summary>The role the jobs run with (the build agent's; the controller runs no builds).</summary>
    public Role JobRole { get; }
    /// <summary>The controller's own role: its data volume and the passwords JCasC needs, nothing of the jobs'.</summary>
    public Role ControllerRole { get; }
    public Secret AdminSecret { get; }
    /// <summary>The build agent: SSH (22) from the controller's group only, nothing else inbound.</summary>
    public SecurityGroup AgentSecurityGroup { get; }
    /// <summary>The key pair the controller logs in to the agent with, created by CloudFormation: EC2 keeps its private
    /// key in SSM Parameter Store (/ec2/keypair/&lt;key-pair-id&gt;), which only the controller's role may read.</summary>
    public KeyPair AgentKey { get; }
    public ToolHost Controller { get; }

    public Jenkins(Construct scope, string id, JenkinsProps props) : base(scope, id)
    {
        var settings = props.Settings;
        SecurityGroup = props.SecurityGroup;
        JobRole = Ec2Hosts.InstanceRole(this, "JenkinsRole", "Jenkins build agent: runs the jobs; writes artifacts, assumes the environment deploy roles");
        props.Artifacts.GrantReadWrite(JobRole, "groundwork-*");
        Nag.Suppress(JobRole, new NagSuppression("AwsSolutions-IAM5",
            "Jenkins uploads artifacts of any version: object keys are versioned names under groundwork-*; the S3 actions are the CDK grant's minimal read/write set.",
            "Action::s3:GetBucket*", "Action::s3:GetObject*", "Action::s3:List*", "Action::s3:DeleteObject*", "Action::s3:Abort*",
            $"Resource::<{Nag.LogicalId(props.Artifacts)}.Arn>/groundwork-*"));
        AdminSecret = ToolHost.Login(this, "JenkinsAdminSecret", "groundwork/management/jenkins/admin", "admin", "Jenkins' admin user (JCasC local user 'admin')");
        ControllerRole = Ec2Hosts.InstanceRole(this, "JenkinsControllerRole",
            "Jenkins controller: attaches its data volume, reads its admin password and the agent key, scales the build agent group");
        AdminSecret.GrantRead(ControllerRole);
        (AgentSecurityGroup, AgentKey) = Agents(props);
        Controller = new ToolHost(this, "Controller", new ToolHostProps("Jenkins", props.Vpc, SecurityGroup, ControllerRole,
            MachineImage.GenericLinux(new Dictionary<string, string> { [settings.Region] = settings.ToolHostAmi }),
            settings.Jenkins.InstanceType, settings.Jenkins.DataVolumeGiB, () => Start(settings))
        {
            StartTimeout = Duration.Minutes(30),
        });
    }

    /// <summary>The SSM parameter EC2 writes the agent key pair's private key to when CloudFormation creates the key pair.</summary>
    private string AgentKeyParameterName => $"/ec2/keypair/{AgentKey.KeyPairId}";

    private string[] Start(ManagementSettings settings) =>
    [
        .. ToolHost.MountData("/var/lib/jenkins"),
        .. ToolUserData.JenkinsController(new JenkinsControllerSettings
        {
            Region = settings.Region,
            AdminSecret = AdminSecret.SecretName,
            AgentKeyParameter = AgentKeyParameterName,
            AgentGroup = AgentGroupName,
            RepositoryUrl = settings.RepositoryUrl,
            ArtifactsBucket = settings.ArtifactsBucketName,
        }),
    ];

    /// <summary>
    /// The Debian build agent, scaled from zero: an Auto Scaling group of 0 to 1 from a pinned Debian 12 AMI (the
    /// controller is Amazon Linux; `./groundwork test` installs its servers with apt). Nothing sets its desired
    /// capacity but the controller's EC2 Fleet cloud (jenkins.yaml: 1 while builds wait, 0 after 15 idle minutes), so a
    /// month without builds costs nothing for it. It holds no state (each instance provisions itself and is discarded),
    /// and no inbound port but SSH from the controller, which logs in with the CloudFormation-created key pair.
    /// </summary>
    private (SecurityGroup, KeyPair) Agents(JenkinsProps props)
    {
        var settings = props.Settings;
        var securityGroup = new SecurityGroup(this, "JenkinsAgentSecurityGroup", new SecurityGroupProps
        {
            Vpc = props.Vpc, Description = "Jenkins build agent: SSH from the Jenkins controller only (the EC2 Fleet cloud SSH launcher)",
        });
        securityGroup.AddIngressRule(SecurityGroup, Amazon.CDK.AWS.EC2.Port.Tcp(22), "Jenkins controller to the build agent (SSH launcher)");
        // RSA: the format every SSH launcher (and Jenkins' credentials plugin) reads; EC2 returns it as PEM.
        var key = new KeyPair(this, "JenkinsAgentKey", new KeyPairProps
        {
            KeyPairName = "groundwork-jenkins-agent",
            Type = KeyPairType.RSA,
            Format = KeyPairFormat.PEM,
        });

        var userData = Amazon.CDK.AWS.EC2.UserData.ForLinux();
        userData.AddCommands(ToolUserData.JenkinsAgent());
        // No detailed monitoring: nothing scales or alarms on a build host's 1-minute metrics.
        var template = Ec2Hosts.LaunchTemplate(this, "JenkinsAgentTemplate", AgentGroupName, settings.JenkinsAgent.InstanceType,
            securityGroup, JobRole, userData,
            MachineImage.GenericLinux(new Dictionary<string, string> { [settings.Region] = settings.JenkinsAgentAmi }),
            rootGiB: settings.JenkinsAgent.RootVolumeGiB, detailedMonitoring: false, keyPair: key);
        // No desired capacity in the template: the EC2 Fleet cloud owns it, and a stack update must not reset it.
        var group = new AutoScalingGroup(this, "JenkinsAgent", new AutoScalingGroupProps
        {
            AutoScalingGroupName = AgentGroupName,
            Vpc = props.Vpc,
            VpcSubnets = new SubnetSelection { SubnetGroupName = Tiers.Tools },
            LaunchTemplate = template,
            MinCapacity = 0,
            MaxCapacity = 1,
            HealthCheck = HealthCheck.Ec2(),
        });
        Tags.Of(group).Add("Name", AgentGroupName);
        Nag.Suppress(group, new NagSuppression("AwsSolutions-AS3",
            "The build agent group is scaled by Jenkins' EC2 Fleet cloud between 0 and 1 for every build: its scaling activity is Jenkins' build queue, shown in Jenkins; notifications would be noise."));
        AllowScalingAgents(settings, key);
        return (securityGroup, key);
    }

    /// <summary>
    /// The EC2 Fleet plugin's calls for an Auto Scaling group (jenkinsci/ec2-fleet-plugin README and
    /// AutoScalingGroupFleet): read groups and instances, set this group's capacity (and scale-in protection of the
    /// instances it launches), and take an idle instance out of this group only; and the agent key's private half.
    /// </summary>
    private void AllowScalingAgents(ManagementSettings settings, KeyPair key)
    {
        var groupArn = $"arn:aws:autoscaling:{settings.Region}:{settings.Account}:autoScalingGroup:*:autoScalingGroupName/{AgentGroupName}";
        var ofTheAgentGroup = new Dictionary<string, object>
        {
            ["StringEquals"] = new Dictionary<string, object> { ["ec2:ResourceTag/aws:autoscaling:groupName"] = AgentGroupName },
        };
        ControllerRole.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["autoscaling:UpdateAutoScalingGroup", "autoscaling:TerminateInstanceInAutoScalingGroup"],
            Resources = [groupArn],
        }));
        ControllerRole.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["ec2:TerminateInstances", "ec2:CreateTags"],
            Resources = [$"arn:aws:ec2:{settings.Region}:{settings.Account}:instance/*"],
            Conditions = ofTheAgentGroup,
        }));
        ControllerRole.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["autoscaling:DescribeAutoScalingGroups", "ec2:DescribeInstances", "ec2:DescribeInstanceStatus",
                "ec2:DescribeInstanceTypes", "ec2:DescribeRegions"],
            Resources = ["*"],
        }));
        // The private key, and only this key pair's: the parameter EC2 created (encrypted with the AWS-managed aws/ssm
        // key, whose policy lets Parameter Store decrypt for the account's principals).
        ControllerRole.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["ssm:GetParameter"],
            Resources = [$"arn:aws:ssm:{settings.Region}:{settings.Account}:parameter/ec2/keypair/{key.KeyPairId}"],
        }));
        // instance/* and * are already suppressed on this role by its tool host (AttachVolume, DescribeVolumes) with the
        // same kind of reason: instances only where AWS's own aws:autoscaling:groupName tag names the group, and calls
        // without resource-level permissions (here DescribeAutoScalingGroups, DescribeInstances/InstanceStatus/InstanceTypes/Regions).
        Nag.Suppress(ControllerRole, new NagSuppression("AwsSolutions-IAM5",
            "EC2 Fleet cloud: the agent group's ARN has the group's generated id as its only wildcard (the group name is fixed).",
            $"Resource::{groupArn}"));
    }
}
