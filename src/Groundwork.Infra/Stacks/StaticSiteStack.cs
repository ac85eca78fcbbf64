using Amazon.CDK;
using Amazon.CDK.AWS.CloudFront;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Route53.Targets;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SSM;
using Constructs;
using Groundwork.Infra.Components;
using Groundwork.Infra.Configuration;
using Groundwork.Infra.BuildingBlocks;

namespace Groundwork.Infra.Stacks;

/// <summary>
/// The public front door: CloudFront on the environment's domain. The static-site paths of config/routing.json are
/// served from a private S3 bucket (origin access control); everything else (short links /{slug}, /api, /admin)
/// goes to the ALB. Lives in us-east-1, where CloudFront's certificate must be.
/// </summary>
public sealed class StaticSiteStack : ComponentStack
{
    public const string CloudFrontRegion = StaticSite.CloudFrontRegion;
    public Bucket SiteBucket { get; }
    public Distribution Distribution { get; }
    public StringParameter SiteBucketParameter { get; }
    public StringParameter DistributionParameter { get; }

    public StaticSiteStack(Construct scope, string id, EnvironmentSettings env, RoutingRules routing, IStackProps props)
        : base(scope, id, props)
    {
        var dns = new Dns(this, "Dns", new DnsProps(env.HostedZoneId, env.Domain) { CertificateDomain = env.Domain });
        // Id "Default": CloudFront origin ids, the origin access control's and the function's names come from the CDK's
        // path-based unique id (Names.uniqueId), which leaves out only ids named Default; a new function name would
        // replace the function.
        var site = new StaticSite(this, "Default", new StaticSiteProps($"groundwork-{env.Name}", env.Domain, dns.Certificate!,
            env.OriginHost, routing.StaticSite) { RetainData = env.RetainData });
        (SiteBucket, Distribution) = (site.Bucket, site.Distribution);
        dns.Alias("Alias", null, new CloudFrontTarget(Distribution));
        dns.AliasIpv6("AliasIpv6", null, new CloudFrontTarget(Distribution));

        // The web build of a version is not deployed by this stack (a BucketDeployment would be a Lambda whose Python
        // runtime retires every year or two): the deploy job syncs the version's web zip into the bucket and invalidates
        // CloudFront itself (Groundwork.Deploy AwsDeployPlan). It finds both here, and may do exactly that.
        var parameters = new Parameters(this, "Parameters", env.ParameterPath);
        SiteBucketParameter = parameters.Add("site/bucket", SiteBucket.BucketName, "The static site's bucket (the deploy syncs the web build into it)");
        DistributionParameter = parameters.Add("site/distribution-id", Distribution.DistributionId, "The CloudFront distribution the deploy invalidates");
        GrantWebDeploy(env);
    }

    /// <summary>What the deploy role may do here: sync the web build into the bucket, invalidate the distribution, find both.</summary>
    private void GrantWebDeploy(EnvironmentSettings env)
    {
        var distributionArn = $"arn:aws:cloudfront::{env.Account}:distribution/{Distribution.DistributionId}";
        var siteParameters = Parameters.Arn(CloudFrontRegion, env.Account, env.ParameterPath, "site/");
        var deployAccess = DeployAccess.Grant(this, "WebDeploy", env,
            new PolicyStatement(new PolicyStatementProps { Sid = "ListSiteBucket", Actions = ["s3:ListBucket"], Resources = [SiteBucket.BucketArn] }),
            // What aws s3 sync --delete from a local folder does: list (to compare), put, delete. No reads.
            new PolicyStatement(new PolicyStatementProps { Sid = "SyncSiteObjects", Actions = ["s3:PutObject", "s3:DeleteObject"], Resources = [SiteBucket.ArnForObjects("*")] }),
            new PolicyStatement(new PolicyStatementProps { Sid = "InvalidateDistribution", Actions = ["cloudfront:CreateInvalidation"], Resources = [distributionArn] }),
            new PolicyStatement(new PolicyStatementProps { Sid = "FindSiteBucketAndDistribution", Actions = ["ssm:GetParameter"], Resources = [siteParameters] }));
        Nag.Suppress(deployAccess, new NagSuppression("AwsSolutions-IAM5",
            "aws s3 sync --delete replaces any object of the site bucket (object keys are the web build's file names), and the deploy reads only this environment's site parameters.",
            $"Resource::<{Nag.LogicalId(SiteBucket)}.Arn>/*", $"Resource::{siteParameters}"));
    }
}
