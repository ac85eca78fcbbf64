namespace Groundwork.Infra.Tests;

[Collection(SynthesizedCollection.Name)]
public sealed class ManagementAndMonitoringTests(SynthesizedApp app)
{
    public static TheoryData<string> Environments => new() { "staging", "production" };
    private const string Management = "Groundwork-management";

    [Fact]
    public void Jenkins_and_sentry_run_in_the_management_vpc_as_groups_of_one_next_to_their_retained_volumes()
    {
        // The only bare instance is the NAT instance (it forwards, so its source/destination check is off).
        Assert.All(app.Resources(Management, "AWS::EC2::Instance"), i => Assert.False((bool?)i.Properties["SourceDestCheck"]));
        Assert.Equal(app.Management.NatInstanceType is null ? 0 : 1, app.Resources(Management, "AWS::EC2::Instance").Count());
        Assert.Empty(app.Resources(Management, "AWS::EC2::VolumeAttachment"));
        var all = app.Resources(Management, "AWS::AutoScaling::AutoScalingGroup").ToList();
        Assert.Equal(new[] { "groundwork-jenkins", "groundwork-jenkins-agent", "groundwork-sentry" }, all.Select(g => (string)g.Properties["AutoScalingGroupName"]!).Order());
        // The build agent is stateless (ManagementToolsTemplateTests); the tool hosts keep their data on volumes.
        var groups = all.Where(g => (string?)g.Properties["AutoScalingGroupName"] != "groundwork-jenkins-agent").ToList();
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
    public void Deploy_role_runs_no_commands_on_instances_and_reads_exactly_the_database_secrets_it_needs(string env)
    {
        // Migrate runs from Jenkins over the peering: no Run Command anywhere.
        Assert.DoesNotContain(app.StackNames.SelectMany(s => app.Resources(s, "AWS::IAM::Policy")),
            p => TemplateQueries.Text(p.Properties["PolicyDocument"]).Contains("ssm:SendCommand", StringComparison.Ordinal));
        // The data stack grants the deploy role: the RDS-managed master secret (migrate), the app and analytics secrets
        // (migrate creates those users; rotate-credentials rotates them), the database parameters.
        var data = $"Groundwork-{env}-Data";
        var policy = Assert.Single(app.Resources(data, "AWS::IAM::Policy"));
        Assert.Equal(new[] { $"groundwork-{env}-deploy" }, TemplateQueries.Array(policy.Properties["Roles"]).Select(r => (string)r!));
        var statements = TemplateQueries.Array(policy.Properties["PolicyDocument"]!["Statement"]).Select(s => s.AsObject()).ToDictionary(s => (string)s["Sid"]!);
        var primary = app.Resources(data, "AWS::RDS::DBInstance").Single(d => (string?)d.Properties["DBInstanceIdentifier"] == $"groundwork-{env}-primary");
        Assert.Equal($"{{\"Fn::GetAtt\":[\"{primary.LogicalId}\",\"MasterUserSecret.SecretArn\"]}}", statements["MasterSecretForMigrate"]["Resource"]!.ToJsonString());
        Assert.Equal(new[] { "secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue" }, TemplateQueries.Array(statements["MasterSecretForMigrate"]["Action"]).Select(a => (string)a!).Order());
        var rotated = TemplateQueries.Array(statements["RotateAppAndAnalyticsSecrets"]["Resource"]).Select(r => (string)app.Target(data, r)!.Properties["Name"]!).Order();
        Assert.Equal(new[] { $"groundwork/{env}/db/analytics-readonly", $"groundwork/{env}/db/app" }, rotated);
        Assert.Equal(new[] { "secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage" },
            TemplateQueries.Array(statements["RotateAppAndAnalyticsSecrets"]["Action"]).Select(a => (string)a!).Order());
        Assert.Equal($"arn:aws:ssm:eu-west-1:111111111111:parameter/groundwork/{env}/database/*", TemplateQueries.Text(statements["DatabaseEndpoints"]["Resource"]));
        Assert.Equal(3, statements.Count);
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
