namespace Groundwork.Infra.Tests;

[Collection(SynthesizedCollection.Name)]
public sealed class StaticSiteInvariantsTests(SynthesizedApp app)
{
    public static TheoryData<string> Environments => new() { "staging", "production" };

    private Resource Distribution(string env) =>
        Assert.Single(app.Resources($"Groundwork-{env}-StaticSite", "AWS::CloudFront::Distribution"));

    [Theory, MemberData(nameof(Environments))]
    public void CloudFront_uses_origin_access_control_and_tls_1_2_or_later(string env)
    {
        var distribution = Distribution(env);
        var config = distribution.Properties["DistributionConfig"]!;
        Assert.Equal("TLSv1.2_2021", (string?)config["ViewerCertificate"]!["MinimumProtocolVersion"]);
        Assert.Equal("sni-only", (string?)config["ViewerCertificate"]!["SslSupportMethod"]);
        var origins = TemplateQueries.Array(config["Origins"]).ToList();
        var s3 = Assert.Single(origins, o => o["S3OriginConfig"] is not null);
        var oac = app.Target(distribution.Stack, s3["OriginAccessControlId"]);
        Assert.Equal("AWS::CloudFront::OriginAccessControl", oac!.Type);
        Assert.Equal("", TemplateQueries.Text(s3["S3OriginConfig"]!["OriginAccessIdentity"]));
        var alb = Assert.Single(origins, o => o["CustomOriginConfig"] is not null);
        Assert.Equal("https-only", (string?)alb["CustomOriginConfig"]!["OriginProtocolPolicy"]);
        Assert.Equal(new[] { "TLSv1.2" }, TemplateQueries.Array(alb["CustomOriginConfig"]!["OriginSSLProtocols"]).Select(p => (string)p!));
        Assert.Equal($"origin.{app.Environments.Single(e => e.Name == env).Domain}", (string?)alb["DomainName"]);

        var behaviours = TemplateQueries.Array(config["CacheBehaviors"]).Append(config["DefaultCacheBehavior"]!).ToList();
        Assert.All(behaviours, b => Assert.Equal("redirect-to-https", (string?)b["ViewerProtocolPolicy"]));
        Assert.All(behaviours, b => Assert.NotNull(b["ResponseHeadersPolicyId"]));

        // The bucket admits CloudFront only, for this distribution only.
        var policy = Assert.Single(app.Resources(distribution.Stack, "AWS::S3::BucketPolicy"),
            p => TemplateQueries.Text(p.Properties["PolicyDocument"]).Contains("cloudfront.amazonaws.com"));
        Assert.Contains(distribution.LogicalId, TemplateQueries.Text(policy.Properties["PolicyDocument"]));
    }

    [Theory, MemberData(nameof(Environments))]
    public void Static_site_paths_are_served_from_s3_and_everything_else_from_the_alb(string env)
    {
        var config = Distribution(env).Properties["DistributionConfig"]!;
        var origins = TemplateQueries.Array(config["Origins"]).ToDictionary(o => (string)o["Id"]!, o => o["S3OriginConfig"] is not null ? "s3" : "alb");
        var behaviours = TemplateQueries.Array(config["CacheBehaviors"]).ToList();
        Assert.Equal(app.Routing.StaticSite.PathPatterns.Order(), behaviours.Select(b => (string)b["PathPattern"]!).Order());
        Assert.All(behaviours, b => Assert.Equal("s3", origins[(string)b["TargetOriginId"]!]));
        Assert.Equal("alb", origins[(string)config["DefaultCacheBehavior"]!["TargetOriginId"]!]);
        // The ALB behaviour never caches (a short link's redirect counts a click) and forwards the viewer's request.
        Assert.Equal("4135ea2d-6df8-44a3-9df3-4b5a84be39ad", (string?)config["DefaultCacheBehavior"]!["CachePolicyId"]);
        Assert.Contains("DELETE", TemplateQueries.Array(config["DefaultCacheBehavior"]!["AllowedMethods"]).Select(m => (string)m!));
        // SPA fallback only on the static behaviours, so an unknown slug stays a 404 from the app.
        Assert.All(behaviours, b => Assert.Single(TemplateQueries.Array(b["FunctionAssociations"])));
        Assert.Null(config["CustomErrorResponses"]);
    }

    [Theory, MemberData(nameof(Environments))]
    public void Security_headers_policy_sets_hsts_and_friends(string env)
    {
        var policies = app.Resources($"Groundwork-{env}-StaticSite", "AWS::CloudFront::ResponseHeadersPolicy").ToList();
        Assert.NotEmpty(policies);
        Assert.All(policies, p =>
        {
            var headers = p.Properties["ResponseHeadersPolicyConfig"]!["SecurityHeadersConfig"]!;
            Assert.True((int)headers["StrictTransportSecurity"]!["AccessControlMaxAgeSec"]! >= 31536000);
            Assert.Equal("DENY", (string?)headers["FrameOptions"]!["FrameOption"]);
            Assert.NotNull(headers["ContentTypeOptions"]);
        });
    }

    [Theory, MemberData(nameof(Environments))]
    public void Certificate_is_in_us_east_1_and_the_domain_is_an_alias_of_the_distribution(string env)
    {
        var stack = $"Groundwork-{env}-StaticSite";
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(app.OutDir, "manifest.json")))!;
        Assert.Equal("aws://111111111111/us-east-1", (string?)manifest["artifacts"]![stack]!["environment"]);
        Assert.Single(app.Resources(stack, "AWS::CertificateManager::Certificate"));
        var records = app.Resources(stack, "AWS::Route53::RecordSet").ToList();
        Assert.Equal(new[] { "A", "AAAA" }, records.Select(r => (string)r.Properties["Type"]!).Order());
        Assert.All(records, r => Assert.Contains("DomainName", TemplateQueries.Text(r.Properties["AliasTarget"]!["DNSName"])));
    }

    [Theory, MemberData(nameof(Environments))]
    public void The_deploy_role_may_sync_the_site_bucket_and_invalidate_this_distribution_and_nothing_more(string env)
    {
        // No BucketDeployment (a Lambda on a retiring runtime): the deploy job syncs the web zip and invalidates.
        var stack = $"Groundwork-{env}-StaticSite";
        Assert.Empty(app.Resources(stack, "Custom::CDKBucketDeployment"));
        Assert.Empty(app.Resources(stack, "AWS::Lambda::Function"));
        var policy = Assert.Single(app.Resources(stack, "AWS::IAM::Policy"));
        Assert.Equal(new[] { $"groundwork-{env}-deploy" }, TemplateQueries.Array(policy.Properties["Roles"]).Select(r => (string)r!));
        var statements = TemplateQueries.Array(policy.Properties["PolicyDocument"]!["Statement"]).Select(s => s.AsObject())
            .ToDictionary(s => (string)s["Sid"]!, s => (Actions: (s["Action"] is System.Text.Json.Nodes.JsonArray a ? a.Select(x => (string)x!) : [(string)s["Action"]!]).Order().ToArray(), Resource: TemplateQueries.Text(s["Resource"])));
        var bucket = Assert.Single(app.Resources(stack, "AWS::S3::Bucket"), b => b.LogicalId.StartsWith("Site", StringComparison.Ordinal));
        var distribution = Assert.Single(app.Resources(stack, "AWS::CloudFront::Distribution"));
        Assert.Equal(new[] { "s3:ListBucket" }, statements["ListSiteBucket"].Actions);
        Assert.Equal($"{{Fn::GetAtt:[\"{bucket.LogicalId}\",\"Arn\"]}}", statements["ListSiteBucket"].Resource);
        Assert.Equal(new[] { "s3:DeleteObject", "s3:PutObject" }, statements["SyncSiteObjects"].Actions);
        Assert.Contains(bucket.LogicalId, statements["SyncSiteObjects"].Resource);
        Assert.Equal(new[] { "cloudfront:CreateInvalidation" }, statements["InvalidateDistribution"].Actions);
        Assert.Equal($"arn:aws:cloudfront::111111111111:distribution/{{Ref:\"{distribution.LogicalId}\"}}", statements["InvalidateDistribution"].Resource);
        Assert.Equal(new[] { "ssm:GetParameter" }, statements["FindSiteBucketAndDistribution"].Actions);
        Assert.Equal($"arn:aws:ssm:us-east-1:111111111111:parameter/groundwork/{env}/site/*", statements["FindSiteBucketAndDistribution"].Resource);
        Assert.Equal(4, statements.Count);
        var parameters = app.Resources(stack, "AWS::SSM::Parameter").Select(p => (string)p.Properties["Name"]!).Order().ToArray();
        Assert.Equal(new[] { $"/groundwork/{env}/site/bucket", $"/groundwork/{env}/site/distribution-id" }, parameters);
    }
}
