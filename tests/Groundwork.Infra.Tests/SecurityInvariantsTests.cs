using System.Text.Json.Nodes;

namespace Groundwork.Infra.Tests;

/// <summary>Who may reach what: security group ingress, public IPs, instance metadata, instance roles.</summary>
[Collection(SynthesizedCollection.Name)]
public sealed class SecurityInvariantsTests(SynthesizedApp app)
{
    public static TheoryData<string> Environments => new() { "staging", "production" };

    /// <summary>Every ingress rule of every template: inline in a security group or a separate resource.</summary>
    private IEnumerable<(Resource Group, JsonObject Rule, string RuleStack)> Ingress()
    {
        foreach (var group in app.AllResources("AWS::EC2::SecurityGroup"))
            foreach (var rule in TemplateQueries.Array(group.Properties["SecurityGroupIngress"]))
                yield return (group, rule.AsObject(), group.Stack);
        foreach (var rule in app.AllResources("AWS::EC2::SecurityGroupIngress"))
            yield return (app.Target(rule.Stack, rule.Properties["GroupId"])!, rule.Properties, rule.Stack);
    }

    private Resource? Source((Resource Group, JsonObject Rule, string RuleStack) ingress) =>
        app.Target(ingress.RuleStack, ingress.Rule["SourceSecurityGroupId"]);

    private Resource Group(string stack, string groupName) =>
        app.Resources(stack, "AWS::EC2::SecurityGroup").Single(g => (string?)g.Properties["GroupName"] == groupName);

    [Fact]
    public void No_ingress_from_anywhere_except_the_alb_on_80_and_443()
    {
        var open = Ingress().Where(i => (string?)i.Rule["CidrIp"] == "0.0.0.0/0" || (string?)i.Rule["CidrIpv6"] == "::/0").ToList();
        Assert.NotEmpty(open);
        Assert.All(open, i =>
        {
            Assert.EndsWith("-alb", (string)i.Group.Properties["GroupName"]!);
            Assert.Contains((int)i.Rule["FromPort"]!, new[] { 80, 443 });
            Assert.Equal((int)i.Rule["FromPort"]!, (int)i.Rule["ToPort"]!);
        });
        Assert.Equal(2 * 2, open.Count); // 80 + 443, in both environments
    }

    [Theory, MemberData(nameof(Environments))]
    public void Bastion_admits_ssh_only_from_the_allowlist_which_is_empty_by_default(string env)
    {
        var settings = app.Environments.Single(e => e.Name == env);
        var bastion = Group($"Groundwork-{env}-Network", $"groundwork-{env}-bastion");
        var rules = Ingress().Where(i => i.Group.LogicalId == bastion.LogicalId && i.Group.Stack == bastion.Stack).ToList();
        Assert.Empty(settings.Bastion.SshAllowlist);
        Assert.Empty(rules);
    }

    [Theory, MemberData(nameof(Environments))]
    public void App_servers_accept_ssh_only_from_the_bastion_and_http_only_from_the_alb(string env)
    {
        var stack = $"Groundwork-{env}-Network";
        var appGroup = Group(stack, $"groundwork-{env}-app");
        var rules = Ingress().Where(i => i.Group.LogicalId == appGroup.LogicalId && i.Group.Stack == stack).ToList();
        Assert.All(rules, r => Assert.Null(r.Rule["CidrIp"]));
        var bySource = rules.GroupBy(r => (string)Source(r)!.Properties["GroupName"]!)
            .ToDictionary(g => g.Key, g => g.Select(r => (int)r.Rule["FromPort"]!).Distinct().Order().ToArray());
        Assert.Equal(new[] { 22 }, bySource[$"groundwork-{env}-bastion"]);
        Assert.Equal(new[] { 8080 }, bySource[$"groundwork-{env}-alb"]);
        Assert.Equal(2, bySource.Count);
        // SSH into any group of the environment comes from the bastion only.
        var ssh = Ingress().Where(i => i.Group.Stack.StartsWith($"Groundwork-{env}-", StringComparison.Ordinal)
                                       && i.Rule["FromPort"] is JsonValue && (int)i.Rule["FromPort"]! <= 22 && (int)i.Rule["ToPort"]! >= 22).ToList();
        Assert.NotEmpty(ssh);
        Assert.All(ssh, i => Assert.Equal($"groundwork-{env}-bastion", (string?)Source(i)?.Properties["GroupName"]));
    }

    [Theory, MemberData(nameof(Environments))]
    public void Data_stores_are_reachable_only_from_the_app_tier_and_jenkins_and_the_replica_also_from_metabase(string env)
    {
        string[] Sources(string stack, string groupName)
        {
            var group = Group(stack, groupName);
            var rules = Ingress().Where(i => i.Group.Stack == stack && i.Group.LogicalId == group.LogicalId).ToList();
            Assert.All(rules, r => Assert.Null(r.Rule["CidrIp"]));
            // Management's groups have no fixed name: "management/<construct>" (the logical id without its hash).
            return rules.Select(r => Source(r)!).Select(g => (string?)g.Properties["GroupName"]
                    ?? (g.Stack == "Groundwork-management" ? "management/" + g.LogicalId[..^8] : g.LogicalId))
                .Distinct().Order(StringComparer.Ordinal).ToArray();
        }

        var data = $"Groundwork-{env}-Data";
        var p = $"groundwork-{env}";
        // Jenkins (management VPC, peered): the deploy's migrate step on the primary, rotate-credentials on both.
        Assert.Equal(new[] { $"{p}-app", "management/JenkinsSecurityGroup" }, Sources(data, $"{p}-database"));
        Assert.Equal(new[] { $"{p}-analytics", $"{p}-app", "management/JenkinsSecurityGroup" }, Sources(data, $"{p}-replica"));
        Assert.Equal(new[] { $"{p}-app" }, Sources(data, $"{p}-cache"));
        Assert.Equal(new[] { $"{p}-analytics" }, Sources($"Groundwork-{env}-Analytics", $"{p}-metabasedatabase"));

        // ...and they live only in the data subnets, never publicly accessible.
        foreach (var db in app.EnvironmentResources(env, "AWS::RDS::DBInstance"))
        {
            Assert.False((bool?)db.Properties["PubliclyAccessible"] ?? false);
            var subnetGroup = app.Target(db.Stack, db.Properties["DBSubnetGroupName"]);
            Assert.NotNull(subnetGroup);
            Assert.All(TemplateQueries.Array(subnetGroup.Properties["SubnetIds"]),
                s => Assert.Equal("data", app.Target(subnetGroup.Stack, s)!.Tag("aws-cdk:subnet-name")));
        }
        var cacheSubnets = Assert.Single(app.Resources(data, "AWS::ElastiCache::SubnetGroup"));
        Assert.All(TemplateQueries.Array(cacheSubnets.Properties["SubnetIds"]),
            s => Assert.Equal("data", app.Target(data, s)!.Tag("aws-cdk:subnet-name")));
    }

    [Theory, MemberData(nameof(Environments))]
    public void App_and_data_instances_have_no_public_ip(string env)
    {
        foreach (var asg in app.EnvironmentResources(env, "AWS::AutoScaling::AutoScalingGroup"))
        {
            var tiers = TemplateQueries.Array(asg.Properties["VPCZoneIdentifier"])
                .Select(s => app.Target(asg.Stack, s)!).Select(s => (Tier: s.Tag("aws-cdk:subnet-name"), Public: (bool?)s.Properties["MapPublicIpOnLaunch"] ?? false)).ToList();
            var name = (string)asg.Properties["AutoScalingGroupName"]!;
            if (name.EndsWith("-bastion", StringComparison.Ordinal))
            {
                Assert.All(tiers, t => Assert.Equal("public", t.Tier));
                continue;
            }
            Assert.All(tiers, t => { Assert.Equal("app", t.Tier); Assert.False(t.Public); });
            var template = app.Target(asg.Stack, asg.Properties["LaunchTemplate"]!["LaunchTemplateId"])!;
            Assert.DoesNotContain("AssociatePublicIpAddress\":true", template.Properties.ToJsonString());
        }
        Assert.All(app.EnvironmentResources(env, "AWS::RDS::DBInstance"), db => Assert.False((bool?)db.Properties["PubliclyAccessible"] ?? false));
    }

    [Fact]
    public void Imdsv2_is_required_on_every_launch_template_and_instance()
    {
        var templates = app.AllResources("AWS::EC2::LaunchTemplate").ToList();
        Assert.NotEmpty(templates);
        Assert.All(templates, t => Assert.Equal("required", (string?)t.Properties["LaunchTemplateData"]!["MetadataOptions"]?["HttpTokens"]));
        // Every host is launched from one of those templates: Jenkins, its build agent and Sentry are groups of one, not
        // bare instances. The only bare instances are NAT instances (the CDK's NAT provider creates them), each bound to a
        // launch template of its own that requires IMDSv2 (InstanceRequireImdsv2Aspect).
        var instances = app.AllResources("AWS::EC2::Instance").ToList();
        Assert.All(instances, i =>
        {
            Assert.False((bool?)i.Properties["SourceDestCheck"]);
            Assert.NotNull(i.Properties["LaunchTemplate"]?["LaunchTemplateName"]);
        });
        Assert.Equal(app.Environments.Where(e => e.NatInstanceType is not null).Sum(e => e.NatGateways) + (app.Management.NatInstanceType is null ? 0 : 1), instances.Count);
        Assert.Equal(2 * 3 + 3 + instances.Count, templates.Count);
    }

    [Fact]
    public void Every_instance_has_an_instance_profile()
    {
        Assert.All(app.AllResources("AWS::EC2::LaunchTemplate").Where(t => t.Properties["LaunchTemplateData"]!["ImageId"] is not null), t =>
        {
            var profile = app.Target(t.Stack, t.Properties["LaunchTemplateData"]!["IamInstanceProfile"]?["Arn"]);
            Assert.NotNull(profile);
            Assert.Equal("AWS::IAM::InstanceProfile", profile.Type);
        });
        Assert.All(app.AllResources("AWS::EC2::Instance"), i =>
            Assert.Equal("AWS::IAM::InstanceProfile", app.Target(i.Stack, i.Properties["IamInstanceProfile"])!.Type));
        // Every Auto Scaling group launches from one of those templates.
        Assert.All(app.AllResources("AWS::AutoScaling::AutoScalingGroup"), asg =>
            Assert.Equal("AWS::EC2::LaunchTemplate", app.Target(asg.Stack, asg.Properties["LaunchTemplate"]!["LaunchTemplateId"])!.Type));
    }

    [Fact]
    public void One_role_per_tier_and_app_servers_read_only_their_own_secrets_and_parameters()
    {
        foreach (var env in app.Environments)
        {
            var stack = $"Groundwork-{env.Name}-App";
            var policy = app.Resources(stack, "AWS::IAM::Policy").Single(p => p.LogicalId.StartsWith("AppServerRoleDefaultPolicy", StringComparison.Ordinal));
            var statements = TemplateQueries.Array(policy.Properties["PolicyDocument"]!["Statement"]).Select(s => s.AsObject()).ToList();
            Assert.All(statements, s => Assert.Equal("Allow", (string?)s["Effect"]));
            var resources = statements.SelectMany(s => s["Resource"] is JsonArray a ? a.Select(TemplateQueries.Text) : [TemplateQueries.Text(s["Resource"])]).ToList();
            Assert.DoesNotContain("*", resources);
            Assert.Contains($"arn:aws:ssm:{env.Region}:{env.Account}:parameter/groundwork/{env.Name}/*", resources);
            // Secrets: exactly the app user's database credentials (read at connection time), the Redis AUTH token, the
            // New Relic key and the Sentry DSN. Never the RDS-managed master secret nor the analytics user's secret.
            var readable = statements.Where(st => (st["Action"] is JsonArray a ? a.Select(x => (string)x!) : [(string)st["Action"]!]).Contains("secretsmanager:GetSecretValue"))
                .SelectMany(st => st["Resource"] is JsonArray a ? a.ToList() : [st["Resource"]])
                .Select(r => app.Target(stack, r))
                .Select(t => t is null ? "(not a secret of this app)" : (string)t.Properties["Name"]!).Order().ToList();
            Assert.Equal(new[] { $"groundwork/{env.Name}/cache/auth-token", $"groundwork/{env.Name}/db/app", $"groundwork/{env.Name}/newrelic/license-key", $"groundwork/{env.Name}/sentry/dsn" }, readable);
            Assert.DoesNotContain(resources, r => r.Contains("AnalyticsReadOnly", StringComparison.Ordinal) || r.Contains("MasterUserSecret", StringComparison.Ordinal) || r.Contains("rds!", StringComparison.Ordinal));
            var actions = statements.SelectMany(s => s["Action"] is JsonArray a ? a.Select(x => (string)x!) : [(string)s["Action"]!]).ToList();
            Assert.DoesNotContain(actions, a => a.EndsWith(":*", StringComparison.Ordinal) || a.StartsWith("s3:Put", StringComparison.Ordinal) || a.StartsWith("s3:Delete", StringComparison.Ordinal));
        }
        var roles = app.AllResources("AWS::IAM::Role").Where(r => TemplateQueries.Text(r.Properties["AssumeRolePolicyDocument"]).Contains("ec2.amazonaws.com")).ToList();
        // app servers, bastion, Metabase per environment + the Jenkins controller, its build agent (the jobs' role) and
        // Sentry, + one per NAT instance (no policy: it only forwards).
        var natInstances = app.AllResources("AWS::EC2::Instance").ToList();
        Assert.Equal(2 * 3 + 3 + natInstances.Count, roles.Count);
        Assert.All(roles.Where(r => r.LogicalId.Contains("NatInstance", StringComparison.Ordinal)), r => Assert.Null(r.Properties["ManagedPolicyArns"]));
    }
}
