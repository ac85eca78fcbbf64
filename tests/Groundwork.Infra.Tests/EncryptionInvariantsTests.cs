namespace Groundwork.Infra.Tests;

[Collection(SynthesizedCollection.Name)]
public sealed class EncryptionInvariantsTests(SynthesizedApp app)
{
    [Fact]
    public void Every_bucket_is_private_encrypted_and_ssl_only()
    {
        var buckets = app.AllResources("AWS::S3::Bucket").ToList();
        Assert.NotEmpty(buckets);
        var policies = app.AllResources("AWS::S3::BucketPolicy").ToList();
        Assert.All(buckets, b =>
        {
            Assert.NotNull(b.Properties["BucketEncryption"]);
            var block = b.Properties["PublicAccessBlockConfiguration"]!;
            foreach (var flag in new[] { "BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets" })
                Assert.True((bool?)block[flag], $"{b.Stack}/{b.LogicalId} {flag}");
            var policy = policies.Single(p => p.Stack == b.Stack && app.Target(p.Stack, p.Properties["Bucket"])?.LogicalId == b.LogicalId);
            Assert.Contains(TemplateQueries.Array(policy.Properties["PolicyDocument"]!["Statement"]), s =>
                (string?)s["Effect"] == "Deny" && s["Condition"]?["Bool"]?["aws:SecureTransport"]?.ToString() == "false");
        });
    }

    [Fact]
    public void Every_ebs_volume_is_encrypted()
    {
        var templates = app.AllResources("AWS::EC2::LaunchTemplate")
            .Where(t => t.Properties["LaunchTemplateData"]!["ImageId"] is not null).ToList();
        Assert.Equal(2 * 3 + 3, templates.Count); // app servers, bastion, Metabase per environment; Jenkins, its build agent and Sentry
        Assert.All(templates, t =>
        {
            var devices = TemplateQueries.Array(t.Properties["LaunchTemplateData"]!["BlockDeviceMappings"]).ToList();
            Assert.NotEmpty(devices);
            Assert.All(devices, d => Assert.True((bool?)d["Ebs"]!["Encrypted"]));
        });
        Assert.All(app.AllResources("AWS::EC2::Instance"), i =>
            Assert.All(TemplateQueries.Array(i.Properties["BlockDeviceMappings"]), d => Assert.True((bool?)d["Ebs"]!["Encrypted"])));
        var volumes = app.AllResources("AWS::EC2::Volume").ToList();
        Assert.Equal(2, volumes.Count); // Jenkins home and Sentry data
        Assert.All(volumes, v => Assert.True((bool?)v.Properties["Encrypted"]));
    }

    [Fact]
    public void Alarm_topic_is_encrypted()
    {
        var topics = app.AllResources("AWS::SNS::Topic").ToList();
        Assert.Equal(2, topics.Count);
        Assert.All(topics, t => Assert.NotNull(t.Properties["KmsMasterKeyId"]));
    }
}
