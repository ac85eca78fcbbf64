namespace Groundwork.Infra.Tests;

[Collection(SynthesizedCollection.Name)]
public sealed class ManagementAndMonitoringTests(SynthesizedApp app)
{
    public static TheoryData<string> Environments => new() { "staging", "production" };
    private const string Management = "Groundwork-management";

    [Fact]
    public void Jenkins_and_sentry_run_in_the_management_vpc_as_groups_of_one_next_to_their_retained_volumes()
    {
        Assert.Empty(app.Resources(Management, "AWS::EC2::Instance"));
        Assert.Empty(app.Resources(Management, "AWS::EC2::VolumeAttachment"));
        var groups = app.Resources(Management, "AWS::AutoScaling::AutoScalingGroup").ToList();
        Assert.Equal(new[] { "groundwork-jenkins", "groundwork-sentry" }, groups.Select(g => (string)g.Properties["AutoScalingGroupName"]!).Order());
        var volumes = app.Resources(Management, "AWS::EC2::Volume").ToList();
        Assert.Equal(2, volumes.Count);
        Assert.All(volumes, v => Assert.Equal("Retain", (string?)v.Body["DeletionPolicy"]));
        Assert.All(groups, g =>
        {
            Assert.Equal("1", (string?)g.Properties["MinSize"]);
            Assert.Equal("1", (string?)g.Properties["MaxSize"]);
            var subnet = app.Target(Management, Assert.Single(TemplateQueries.Array(g.Properties["VPCZoneIdentifier"])))!;
            Assert.Equal("tools", subnet.Tag("aws-cdk:subnet-name"));
            // The group's only subnet is in the AZ of the data volume its user data attaches.
            var userData = TemplateQueries.Text(app.Target(Management, g.Properties["LaunchTemplate"]!["LaunchTemplateId"])!.Properties["LaunchTemplateData"]!["UserData"]);
            var volume = Assert.Single(volumes, v => userData.Contains($"VOLUME_ID={{Ref:\"{v.LogicalId}\"}}", StringComparison.Ordinal));
            Assert.Equal((string?)subnet.Properties["AvailabilityZone"], (string?)volume.Properties["AvailabilityZone"]);
        });
    }

    [Fact]
    public void Artifacts_bucket_is_shared_and_each_environment_has_a_deploy_role_jenkins_assumes()
    {
        var bucket = Assert.Single(app.Resources(Management, "AWS::S3::Bucket"), b => (string?)b.Properties["BucketName"] == app.Management.ArtifactsBucketName);
        Assert.True(bucket.Properties["VersioningConfiguration"]!["Status"]!.ToString() == "Enabled");
        var roles = app.Resources(Management, "AWS::IAM::Role").Where(r => ((string?)r.Properties["RoleName"])?.EndsWith("-deploy") == true).ToList();
        Assert.Equal(new[] { "groundwork-production-deploy", "groundwork-staging-deploy" }, roles.Select(r => (string)r.Properties["RoleName"]!).Order());
        var jenkinsRole = app.Resources(Management, "AWS::IAM::Role").Single(r => r.LogicalId.StartsWith("JenkinsRole", StringComparison.Ordinal));
        Assert.All(roles, r => Assert.Contains(jenkinsRole.LogicalId, TemplateQueries.Text(r.Properties["AssumeRolePolicyDocument"])));
    }

    [Theory, MemberData(nameof(Environments))]
    public void Deploy_role_runs_commands_only_with_the_shell_document_on_its_own_environments_instances(string env)
    {
        var role = app.Resources(Management, "AWS::IAM::Role").Single(r => (string?)r.Properties["RoleName"] == $"groundwork-{env}-deploy");
        var statements = app.Resources(Management, "AWS::IAM::Policy")
            .Where(p => TemplateQueries.Text(p.Properties["Roles"]).Contains(role.LogicalId))
            .SelectMany(p => TemplateQueries.Array(p.Properties["PolicyDocument"]!["Statement"]))
            .Where(s => TemplateQueries.Text(s["Action"]).Contains("ssm:SendCommand"))
            .ToList();
        Assert.Equal(2, statements.Count);
        Assert.Contains(statements, s => TemplateQueries.Text(s["Resource"]).EndsWith("::document/AWS-RunShellScript") && s["Condition"] is null);
        var onInstances = Assert.Single(statements, s => TemplateQueries.Text(s["Resource"]).Contains(":instance/*"));
        Assert.Equal(env, (string?)onInstances["Condition"]?["StringEquals"]?["aws:ResourceTag/environment"]);
    }

    [Theory, MemberData(nameof(Environments))]
    public void Alarms_watch_alb_targets_rds_and_redis_and_notify_the_topic(string env)
    {
        var alarms = app.Resources($"Groundwork-{env}-Alarms", "AWS::CloudWatch::Alarm").ToList();
        var metrics = alarms.Select(a => (string)a.Properties["MetricName"]!).ToHashSet();
        foreach (var metric in new[] { "HTTPCode_ELB_5XX_Count", "UnHealthyHostCount", "CPUUtilization", "FreeStorageSpace", "ReplicaLag", "DatabaseMemoryUsagePercentage", "Evictions" })
            Assert.Contains(metric, metrics);
        var topic = Assert.Single(app.Resources($"Groundwork-{env}-Monitoring", "AWS::SNS::Topic"));
        Assert.All(alarms, a => Assert.Equal(topic.LogicalId, app.Target(a.Stack, TemplateQueries.Array(a.Properties["AlarmActions"]).Single())!.LogicalId));
    }

    [Theory, MemberData(nameof(Environments))]
    public void New_relic_license_and_otlp_endpoint_reach_the_app(string env)
    {
        var secrets = app.Resources($"Groundwork-{env}-Monitoring", "AWS::SecretsManager::Secret").Select(s => (string)s.Properties["Name"]!).ToList();
        Assert.Contains($"groundwork/{env}/newrelic/license-key", secrets);
        Assert.Contains($"groundwork/{env}/sentry/dsn", secrets);
        var otlp = Assert.Single(app.Resources($"Groundwork-{env}-Monitoring", "AWS::SSM::Parameter"));
        Assert.Equal($"/groundwork/{env}/monitoring/otlp-endpoint", (string?)otlp.Properties["Name"]);
        Assert.StartsWith("https://otlp.", (string)otlp.Properties["Value"]!);
    }
}
