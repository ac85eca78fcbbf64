using System.Text.Json.Nodes;
using Groundwork.Infra.UserData;

namespace Groundwork.Infra.Tests;

/// <summary>The management tools as synthesized: user data within EC2's limit, the agent host, who may write the DSN secrets.</summary>
[Collection(SynthesizedCollection.Name)]
public sealed class ManagementToolsTemplateTests(SynthesizedApp app)
{
    private const string Management = "Groundwork-management";

    private IEnumerable<(string Name, string UserData)> ToolLaunchTemplates() =>
        app.AllResources("AWS::EC2::LaunchTemplate")
            .Select(t => ((string?)t.Properties["LaunchTemplateName"] ?? t.LogicalId, TemplateQueries.Text(t.Properties["LaunchTemplateData"]!["UserData"])))
            .Where(t => t.Item1.Contains("jenkins", StringComparison.Ordinal) || t.Item1.Contains("sentry", StringComparison.Ordinal)
                        || t.Item1.Contains("metabase", StringComparison.Ordinal));

    [Fact]
    public void Each_tool_host_configures_its_tool_at_boot_within_the_user_data_limit()
    {
        var hosts = ToolLaunchTemplates().ToList();
        Assert.Contains(hosts, h => h.Name == "groundwork-jenkins" && h.UserData.Contains("CASC_JENKINS_CONFIG", StringComparison.Ordinal));
        Assert.Contains(hosts, h => h.Name == "groundwork-jenkins-agent" && h.UserData.Contains("meta-data/public-keys/0/openssh-key", StringComparison.Ordinal));
        Assert.Contains(hosts, h => h.Name == "groundwork-sentry" && h.UserData.Contains("systemctl start groundwork-sentry-configure", StringComparison.Ordinal));
        Assert.Equal(2, hosts.Count(h => h.Name.EndsWith("-metabase", StringComparison.Ordinal) && h.UserData.Contains("systemctl start groundwork-metabase-configure", StringComparison.Ordinal)));
        foreach (var (name, userData) in hosts)
        {
            // Tokens render as {Ref:...} here, about as long as the ARNs and names they become.
            Assert.True(System.Text.Encoding.UTF8.GetByteCount(userData) < ToolUserData.UserDataLimitBytes - 1024,
                $"{name}'s user data is {userData.Length} bytes; EC2 takes at most {ToolUserData.UserDataLimitBytes}");
        }
    }

    [Fact]
    public void The_build_agent_is_a_debian_host_in_the_jenkins_group_with_the_role_the_deploy_roles_trust()
    {
        var agent = app.Resources(Management, "AWS::EC2::LaunchTemplate").Single(t => (string?)t.Properties["LaunchTemplateName"] == "groundwork-jenkins-agent");
        var data = agent.Properties["LaunchTemplateData"]!;
        Assert.Equal(app.Management.JenkinsAgentAmi, (string?)data["ImageId"]);
        Assert.NotEqual(app.Management.ToolHostAmi, (string?)data["ImageId"]);
        var profile = app.Target(Management, data["IamInstanceProfile"]!["Arn"])!;
        var role = app.Target(Management, TemplateQueries.Array(profile.Properties["Roles"]).Single())!;
        foreach (var deploy in app.Resources(Management, "AWS::IAM::Role").Where(r => ((string?)r.Properties["RoleName"] ?? "").EndsWith("-deploy", StringComparison.Ordinal)))
            Assert.Contains(role.LogicalId, TemplateQueries.Text(deploy.Properties["AssumeRolePolicyDocument"]), StringComparison.Ordinal);
        var controllerTemplate = app.Resources(Management, "AWS::EC2::LaunchTemplate").Single(t => (string?)t.Properties["LaunchTemplateName"] == "groundwork-jenkins");
        var controllerProfile = app.Target(Management, controllerTemplate.Properties["LaunchTemplateData"]!["IamInstanceProfile"]!["Arn"])!;
        Assert.DoesNotContain(role.LogicalId, TemplateQueries.Text(controllerProfile.Properties["Roles"]), StringComparison.Ordinal);
    }

    [Fact]
    public void The_build_agent_group_scales_from_zero_and_the_controller_alone_may_scale_it_and_read_its_key()
    {
        var group = app.Resources(Management, "AWS::AutoScaling::AutoScalingGroup").Single(g => (string?)g.Properties["AutoScalingGroupName"] == "groundwork-jenkins-agent");
        Assert.Equal(("0", "1"), ((string?)group.Properties["MinSize"], (string?)group.Properties["MaxSize"]));
        // The EC2 Fleet cloud owns the desired capacity: a stack update must not set it back.
        Assert.Null(group.Properties["DesiredCapacity"]);

        // The launch template logs in with the CloudFormation-created key pair.
        var template = app.Resources(Management, "AWS::EC2::LaunchTemplate").Single(t => (string?)t.Properties["LaunchTemplateName"] == "groundwork-jenkins-agent");
        var key = Assert.Single(app.Resources(Management, "AWS::EC2::KeyPair"));
        Assert.Equal(key.LogicalId, app.Target(Management, template.Properties["LaunchTemplateData"]!["KeyName"])!.LogicalId);
        // No 1-minute metrics: nothing scales or alarms on them.
        Assert.NotEqual("true", TemplateQueries.Text(template.Properties["LaunchTemplateData"]!["Monitoring"]?["Enabled"]), StringComparer.OrdinalIgnoreCase);

        var controllerTemplate = app.Resources(Management, "AWS::EC2::LaunchTemplate").Single(t => (string?)t.Properties["LaunchTemplateName"] == "groundwork-jenkins");
        var controllerProfile = app.Target(Management, controllerTemplate.Properties["LaunchTemplateData"]!["IamInstanceProfile"]!["Arn"])!;
        var controllerRole = app.Target(Management, TemplateQueries.Array(controllerProfile.Properties["Roles"]).Single())!.LogicalId;
        var statements = app.Resources(Management, "AWS::IAM::Policy")
            .SelectMany(p => TemplateQueries.Array(p.Properties["PolicyDocument"]!["Statement"]).Select(s => (Roles: TemplateQueries.Text(p.Properties["Roles"]), Statement: s)))
            .ToList();
        bool Grants(JsonNode statement, string action) => TemplateQueries.Text(statement["Action"]).Contains(action, StringComparison.Ordinal);

        // Who may change the group's capacity or terminate its instances: the controller only, on this group only.
        foreach (var action in new[] { "autoscaling:UpdateAutoScalingGroup", "autoscaling:TerminateInstanceInAutoScalingGroup" })
        {
            var grant = Assert.Single(statements, s => Grants(s.Statement, action));
            Assert.Contains(controllerRole, grant.Roles, StringComparison.Ordinal);
            Assert.EndsWith(":autoScalingGroupName/groundwork-jenkins-agent", TemplateQueries.Text(grant.Statement["Resource"]), StringComparison.Ordinal);
        }
        var terminate = Assert.Single(statements, s => Grants(s.Statement, "ec2:TerminateInstances"));
        Assert.Contains(controllerRole, terminate.Roles, StringComparison.Ordinal);
        Assert.Equal("groundwork-jenkins-agent", (string?)terminate.Statement["Condition"]!["StringEquals"]!["ec2:ResourceTag/aws:autoscaling:groupName"]);

        // The private key's parameter: exactly this key pair's, readable by the controller only.
        var read = Assert.Single(statements, s => Grants(s.Statement, "ssm:GetParameter"));
        Assert.Contains(controllerRole, read.Roles, StringComparison.Ordinal);
        var parameter = TemplateQueries.Text(read.Statement["Resource"]);
        Assert.Contains(":parameter/ec2/keypair/", parameter, StringComparison.Ordinal);
        Assert.Contains(key.LogicalId, parameter, StringComparison.Ordinal);
        Assert.DoesNotContain("*", parameter, StringComparison.Ordinal);

        // Swarm's leftovers are gone: no agent account secret.
        Assert.DoesNotContain(app.Resources(Management, "AWS::SecretsManager::Secret"), s => TemplateQueries.Text(s.Properties["Name"]).EndsWith("/jenkins/agent", StringComparison.Ordinal));
    }

    [Fact]
    public void Only_the_sentry_host_may_write_the_dsn_secrets_and_only_those()
    {
        var writers = app.AllResources("AWS::IAM::Policy")
            .SelectMany(p => TemplateQueries.Array(p.Properties["PolicyDocument"]!["Statement"]).Select(s => (Policy: p, Statement: s)))
            .Where(x => TemplateQueries.Text(x.Statement!["Action"]).Contains("secretsmanager:PutSecretValue", StringComparison.Ordinal)
                        && TemplateQueries.Text(x.Statement!["Resource"]).Contains("/sentry/dsn", StringComparison.Ordinal))
            .ToList();
        var writer = Assert.Single(writers);
        Assert.Contains("SentryRole", TemplateQueries.Text(writer.Policy.Properties["Roles"]), StringComparison.Ordinal);
        var resources = TemplateQueries.Array(writer.Statement!["Resource"]).Select(TemplateQueries.Text).Order().ToArray();
        Assert.Equal(app.Environments.Select(e => $"arn:aws:secretsmanager:{e.Region}:{e.Account}:secret:{e.SecretPrefix}/sentry/dsn-??????").Order().ToArray(), resources);
    }
}
