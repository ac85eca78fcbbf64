using System.Text.Json.Nodes;
using Groundwork.Infra.Configuration;

namespace Groundwork.Infra.Tests;

/// <summary>
/// Management hosts survive time: a pinned AMI, replacement that keeps the data volume (terminate first, attach at
/// boot, signal only when mounted), daily snapshots with a retention, and Sentry's ingest over TLS.
/// </summary>
[Collection(SynthesizedCollection.Name)]
public sealed class ToolHostTests(SynthesizedApp app)
{
    private const string Management = "Groundwork-management";
    public static TheoryData<string> Hosts => new() { "jenkins", "sentry" };

    private Resource Group(string host) => app.Resources(Management, "AWS::AutoScaling::AutoScalingGroup")
        .Single(g => (string?)g.Properties["AutoScalingGroupName"] == $"groundwork-{host}");

    private Resource LaunchTemplate(string host) => app.Target(Management, Group(host).Properties["LaunchTemplate"]!["LaunchTemplateId"])!;

    private string UserData(string host) => TemplateQueries.Text(LaunchTemplate(host).Properties["LaunchTemplateData"]!["UserData"]);

    private Resource Volume(string host) => app.Resources(Management, "AWS::EC2::Volume")
        .Single(v => UserData(host).Contains($"VOLUME_ID={{Ref:\"{v.LogicalId}\"}}", StringComparison.Ordinal));

    [Theory, MemberData(nameof(Hosts))]
    public void The_ami_is_the_one_pinned_in_management_json(string host)
    {
        Assert.Equal(app.Management.ToolHostAmi, (string?)LaunchTemplate(host).Properties["LaunchTemplateData"]!["ImageId"]);
        // Nothing in the management stack resolves "the latest AMI" at deploy time.
        var parameters = app.Template(Management)["Parameters"]?.AsObject() ?? new JsonObject();
        Assert.DoesNotContain(parameters, p => ((string?)p.Value!["Type"] ?? "").Contains("AWS::EC2::Image::Id", StringComparison.Ordinal));
    }

    [Theory, MemberData(nameof(Hosts))]
    public void A_replacement_terminates_the_old_host_first_and_waits_for_the_new_one_to_mount_the_data(string host)
    {
        var group = Group(host);
        var rolling = group.Body["UpdatePolicy"]!["AutoScalingRollingUpdate"]!;
        Assert.Equal(0, (int)rolling["MinInstancesInService"]!);
        Assert.Equal(1, (int)rolling["MaxBatchSize"]!);
        Assert.True((bool)rolling["WaitOnResourceSignals"]!);
        Assert.Equal(1, (int)group.Body["CreationPolicy"]!["ResourceSignal"]!["Count"]!);

        var script = UserData(host);
        Assert.StartsWith("#!/bin/bash\nset -euo pipefail\n", script, StringComparison.Ordinal);
        // The signal is the exit status of the whole boot (an EXIT trap under set -e), for this very group.
        Assert.Contains($"cfn-signal --exit-code \"$1\" --stack {Management} --resource {group.LogicalId}", script, StringComparison.Ordinal);
        Assert.Contains("trap 'signal $?' EXIT", script, StringComparison.Ordinal);
        int At(string text) => script.IndexOf(text, StringComparison.Ordinal) is >= 0 and var i ? i : throw new Xunit.Sdk.XunitException($"'{text}' missing from the user data");
        var start = host == "jenkins" ? "systemctl enable --now jenkins" : "docker compose up -d";
        Assert.True(At("aws ec2 wait volume-available") < At("aws ec2 attach-volume") && At("aws ec2 attach-volume") < At("mount -a")
            && At("mount -a") < At("mountpoint -q") && At("mountpoint -q") < At(start), script);
        // A filesystem is made only on a volume that has none.
        Assert.Contains("blkid \"$DEVICE\" || mkfs -t xfs \"$DEVICE\"", script, StringComparison.Ordinal);
    }

    [Theory, MemberData(nameof(Hosts))]
    public void The_host_may_attach_only_its_own_volume_and_only_to_its_own_group(string host)
    {
        var group = Group(host);
        var profile = app.Target(Management, LaunchTemplate(host).Properties["LaunchTemplateData"]!["IamInstanceProfile"]!["Arn"])!;
        var role = app.Target(Management, TemplateQueries.Array(profile.Properties["Roles"]).Single())!;
        var attach = app.Resources(Management, "AWS::IAM::Policy")
            .Where(p => TemplateQueries.Text(p.Properties["Roles"]).Contains(role.LogicalId, StringComparison.Ordinal))
            .SelectMany(p => TemplateQueries.Array(p.Properties["PolicyDocument"]!["Statement"]))
            .Where(s => TemplateQueries.Text(s["Action"]) == "ec2:AttachVolume").ToList();
        Assert.Equal(2, attach.Count);
        var onVolume = Assert.Single(attach, s => TemplateQueries.Text(s["Resource"]).Contains(":volume/", StringComparison.Ordinal));
        Assert.EndsWith($":volume/{{Ref:\"{Volume(host).LogicalId}\"}}", TemplateQueries.Text(onVolume["Resource"]), StringComparison.Ordinal);
        var onInstance = Assert.Single(attach, s => TemplateQueries.Text(s["Resource"]).EndsWith(":instance/*", StringComparison.Ordinal));
        Assert.Equal((string?)group.Properties["AutoScalingGroupName"], (string?)onInstance["Condition"]!["StringEquals"]!["ec2:ResourceTag/aws:autoscaling:groupName"]);
    }

    [Fact]
    public void Aws_backup_snapshots_both_data_volumes_daily_and_keeps_them_for_the_configured_days()
    {
        var plan = Assert.Single(app.Resources(Management, "AWS::Backup::BackupPlan"));
        var rule = Assert.Single(TemplateQueries.Array(plan.Properties["BackupPlan"]!["BackupPlanRule"]));
        Assert.Equal("cron(0 3 * * ? *)", (string?)rule["ScheduleExpression"]);
        Assert.Equal(app.Management.ToolDataBackupRetentionDays, (int)rule["Lifecycle"]!["DeleteAfterDays"]!);
        Assert.True(app.Management.ToolDataBackupRetentionDays >= 7);
        var vault = app.Target(Management, rule["TargetBackupVault"])!;
        Assert.Equal("Retain", (string?)vault.Body["DeletionPolicy"]);
        var selection = Assert.Single(app.Resources(Management, "AWS::Backup::BackupSelection"));
        Assert.Equal(plan.LogicalId, app.Target(Management, selection.Properties["BackupPlanId"])!.LogicalId);
        var selected = TemplateQueries.Array(selection.Properties["BackupSelection"]!["Resources"]).Select(TemplateQueries.Text).ToList();
        Assert.Equal(2, selected.Count);
        foreach (var host in new[] { "jenkins", "sentry" })
            Assert.Contains($"arn:aws:ec2:{app.Management.Region}:{app.Management.Account}:volume/{{Ref:\"{Volume(host).LogicalId}\"}}", selected);
    }

    [Fact]
    public void Sentry_ingest_is_https_with_an_acm_certificate_for_its_name_and_the_host_is_reached_only_through_it()
    {
        var alb = Assert.Single(app.Resources(Management, "AWS::ElasticLoadBalancingV2::LoadBalancer"));
        Assert.Equal("internal", (string?)alb.Properties["Scheme"]);
        var listener = Assert.Single(app.Resources(Management, "AWS::ElasticLoadBalancingV2::Listener"));
        Assert.Equal(alb.LogicalId, app.Target(Management, listener.Properties["LoadBalancerArn"])!.LogicalId);
        Assert.Equal(443, (int)listener.Properties["Port"]!);
        Assert.Equal("HTTPS", (string?)listener.Properties["Protocol"]);
        var certificate = app.Target(Management, TemplateQueries.Array(listener.Properties["Certificates"]).Single()["CertificateArn"])!;
        Assert.Equal(app.Management.SentryHost, (string?)certificate.Properties["DomainName"]);
        Assert.Equal("DNS", (string?)certificate.Properties["ValidationMethod"]);
        // The name resolves to this ALB.
        var record = Assert.Single(app.Resources(Management, "AWS::Route53::RecordSet"));
        Assert.Equal(app.Management.SentryHost + ".", (string?)record.Properties["Name"]);
        Assert.Contains(alb.LogicalId, TemplateQueries.Text(record.Properties["AliasTarget"]), StringComparison.Ordinal);
        // It forwards to the Sentry group's port 9000.
        var forward = TemplateQueries.Array(listener.Properties["DefaultActions"]).Single();
        var targets = app.Target(Management, forward["TargetGroupArn"])!;
        Assert.Equal(9000, (int)targets.Properties["Port"]!);
        Assert.Contains(targets.LogicalId, TemplateQueries.Text(Group("sentry").Properties["TargetGroupARNs"]), StringComparison.Ordinal);
        Assert.Equal("ELB", (string?)Group("sentry").Properties["HealthCheckType"]);
    }

    [Fact]
    public void Only_app_tiers_reach_the_ingest_and_only_the_ingest_reaches_sentrys_port()
    {
        string[] Cidrs(string tier) => app.Environments.SelectMany(e => app.Resources($"Groundwork-{e.Name}-Network", "AWS::EC2::Subnet"))
            .Where(s => s.Tag("aws-cdk:subnet-name") == tier).Select(s => (string)s.Properties["CidrBlock"]!).Order().ToArray();
        var groups = app.Resources(Management, "AWS::EC2::SecurityGroup").ToDictionary(g => TemplateQueries.Text(g.Properties["GroupDescription"]) switch
        {
            var d when d.StartsWith("Jenkins controller", StringComparison.Ordinal) => "Jenkins",
            var d when d.StartsWith("Jenkins build agent", StringComparison.Ordinal) => "JenkinsAgent",
            var d when d.StartsWith("Sentry host", StringComparison.Ordinal) => "Sentry",
            var d when d.StartsWith("Sentry ingest ALB", StringComparison.Ordinal) => "SentryIngest",
            var d when d.StartsWith("Security Group for NAT instances", StringComparison.Ordinal) => "Nat",
            var d => d,
        });
        Assert.Equal(new[] { "Jenkins", "JenkinsAgent", "Nat", "Sentry", "SentryIngest" }, groups.Keys.Order());
        // The build agent takes nothing from anywhere inline (no bastion, no CIDR): only the rule below.
        Assert.Empty(TemplateQueries.Array(groups["JenkinsAgent"].Properties["SecurityGroupIngress"]));
        // The NAT instance admits the management VPC's own addresses only (what it forwards), nothing from outside.
        Assert.Equal([app.Management.VpcCidr], TemplateQueries.Array(groups["Nat"].Properties["SecurityGroupIngress"]).Select(r => (string)r["CidrIp"]!));
        Dictionary<int, string[]> Inline(Resource group) => TemplateQueries.Array(group.Properties["SecurityGroupIngress"])
            .GroupBy(r => (int)r["FromPort"]!).ToDictionary(g => g.Key, g => g.Select(r => (string)r["CidrIp"]!).Order().ToArray());

        Assert.Equal(new[] { 443 }, Inline(groups["SentryIngest"]).Keys);
        Assert.Equal(Cidrs("app"), Inline(groups["SentryIngest"])[443]);
        foreach (var host in new[] { "Jenkins", "Sentry" })
        {
            Assert.Equal(new[] { 22 }, Inline(groups[host]).Keys);
            Assert.Equal(Cidrs("public"), Inline(groups[host])[22]);
        }
        // Sentry's own port: one rule, from the ingest ALB's group. The build agent's SSH: from the controller's group
        // only (the EC2 Fleet cloud's launcher). Nothing reaches Jenkins' port 8080 but an SSH tunnel on the controller.
        var extra = app.Resources(Management, "AWS::EC2::SecurityGroupIngress").ToList();
        Assert.DoesNotContain(extra, r => app.Target(Management, r.Properties["GroupId"])!.LogicalId == groups["Jenkins"].LogicalId);
        var agent = Assert.Single(extra, r => app.Target(Management, r.Properties["GroupId"])!.LogicalId == groups["JenkinsAgent"].LogicalId);
        Assert.Equal(groups["Jenkins"].LogicalId, app.Target(Management, agent.Properties["SourceSecurityGroupId"])!.LogicalId);
        Assert.Equal((22, 22), ((int)agent.Properties["FromPort"]!, (int)agent.Properties["ToPort"]!));
        var rule = Assert.Single(extra, r => r != agent);
        Assert.Equal(groups["Sentry"].LogicalId, app.Target(Management, rule.Properties["GroupId"])!.LogicalId);
        Assert.Equal(groups["SentryIngest"].LogicalId, app.Target(Management, rule.Properties["SourceSecurityGroupId"])!.LogicalId);
        Assert.Equal(9000, (int)rule.Properties["FromPort"]!);
    }

    [Fact]
    public void A_missing_or_malformed_pinned_ami_stops_synth_with_a_clear_message()
    {
        var elsewhere = app.Management with { AmazonLinux2023Amis = new Dictionary<string, string> { ["us-east-1"] = "ami-0123456789abcdef0" } };
        Assert.Equal("environments/management.json: amazonLinux2023Amis has no valid AMI id for eu-west-1.",
            Assert.Throws<InvalidDataException>(() => elsewhere.ToolHostAmi).Message);
        var malformed = app.Management with { AmazonLinux2023Amis = new Dictionary<string, string> { ["eu-west-1"] = "latest" } };
        Assert.Throws<InvalidDataException>(() => malformed.ToolHostAmi);
    }
}
