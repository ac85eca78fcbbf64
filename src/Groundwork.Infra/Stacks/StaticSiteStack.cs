using Amazon.CDK;
using Amazon.CDK.AWS.CertificateManager;
using Amazon.CDK.AWS.CloudFront;
using Amazon.CDK.AWS.CloudFront.Origins;
using Amazon.CDK.AWS.Route53;
using Amazon.CDK.AWS.Route53.Targets;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.SSM;
using Constructs;
using Groundwork.Infra.Components;
using Groundwork.Infra.Configuration;
using Groundwork.Infra.Constructs;
using Function = Amazon.CDK.AWS.CloudFront.Function;
using FunctionProps = Amazon.CDK.AWS.CloudFront.FunctionProps;

namespace Groundwork.Infra.Stacks;

/// <summary>
/// The public front door: CloudFront on the environment's domain. The static-site paths of config/routing.json are
/// served from a private S3 bucket (origin access control); everything else (short links /{slug}, /api, /admin)
/// goes to the ALB. Lives in us-east-1, where CloudFront's certificate must be.
/// </summary>
public sealed class StaticSiteStack : ComponentStack
{
    public const string CloudFrontRegion = "us-east-1";
    public Bucket SiteBucket { get; }
    public Distribution Distribution { get; }
    public StringParameter SiteBucketParameter { get; }
    public StringParameter DistributionParameter { get; }

    public StaticSiteStack(Construct scope, string id, EnvironmentSettings env, RoutingRules routing, IStackProps props)
        : base(scope, id, props)
    {
        var zone = HostedZone.FromHostedZoneAttributes(this, "Zone", new HostedZoneAttributes { HostedZoneId = env.HostedZoneId, ZoneName = env.Domain });
        var certificate = new Certificate(this, "Certificate", new CertificateProps
        {
            DomainName = env.Domain, Validation = CertificateValidation.FromDns(zone),
        });
        var logs = Buckets.AccessLogBucket(this, "Logs", env.RetainData, forCloudFront: true, receivesS3ServerAccessLogs: true);
        SiteBucket = Buckets.Private(this, "Site", env.RetainData, logs, "s3/");

        var s3 = S3BucketOrigin.WithOriginAccessControl(SiteBucket);
        var alb = new HttpOrigin(env.OriginHost, new HttpOriginProps
        {
            ProtocolPolicy = OriginProtocolPolicy.HTTPS_ONLY,
            OriginSslProtocols = [OriginSslPolicy.TLS_V1_2],
        });

        var spaFallback = new Function(this, "SpaFallback", new FunctionProps
        {
            Comment = "SPA fallback: extension-less static paths get index.html (only on static-site behaviours)",
            Runtime = FunctionRuntime.JS_2_0,
            Code = FunctionCode.FromInline("""
                function handler(event) {
                  var request = event.request;
                  var last = request.uri.split('/').pop();
                  if (request.uri === '/' || last.indexOf('.') === -1) { request.uri = '/index.html'; }
                  return request;
                }
                """),
        });
        var immutable = Headers("Immutable", "public, max-age=31536000, immutable");
        var noCache = Headers("NoCache", "no-cache");
        var standard = Headers("Standard", "public, max-age=3600");
        // The app decides its own caching (a short link's 302 must never be cached): security headers only.
        var app = Headers("App", null);

        Distribution = new Distribution(this, "Distribution", new DistributionProps
        {
            Comment = $"groundwork-{env.Name}",
            DomainNames = [env.Domain],
            Certificate = certificate,
            MinimumProtocolVersion = SecurityPolicyProtocol.TLS_V1_2_2021,
            HttpVersion = HttpVersion.HTTP2_AND_3,
            PriceClass = PriceClass.PRICE_CLASS_100,
            DefaultRootObject = "index.html",
            EnableLogging = true,
            LogBucket = logs,
            LogFilePrefix = "cloudfront/",
            // Everything that is not the static site is the app: short links at the root, /api, /admin.
            DefaultBehavior = new BehaviorOptions
            {
                Origin = alb,
                ViewerProtocolPolicy = ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                AllowedMethods = AllowedMethods.ALLOW_ALL,
                CachePolicy = CachePolicy.CACHING_DISABLED,
                OriginRequestPolicy = OriginRequestPolicy.ALL_VIEWER,
                ResponseHeadersPolicy = app,
            },
        });
        foreach (var pattern in routing.StaticSite.PathPatterns)
        {
            var isImmutable = routing.StaticSite.ImmutablePathPatterns.Contains(pattern);
            var isNoCache = routing.StaticSite.NoCachePathPatterns.Contains(pattern);
            Distribution.AddBehavior(pattern, s3, new AddBehaviorOptions
            {
                ViewerProtocolPolicy = ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                AllowedMethods = AllowedMethods.ALLOW_GET_HEAD,
                CachePolicy = isNoCache ? CachePolicy.CACHING_DISABLED : CachePolicy.CACHING_OPTIMIZED,
                ResponseHeadersPolicy = isImmutable ? immutable : isNoCache ? noCache : standard,
                FunctionAssociations = [new FunctionAssociation { EventType = FunctionEventType.VIEWER_REQUEST, Function = spaFallback }],
            });
        }
        Nag.Suppress(Distribution,
            new NagSuppression("AwsSolutions-CFR1", "A public link shortener serves every country; no geo restriction."),
            new NagSuppression("AwsSolutions-CFR2", "WAF is not part of the seed architecture; rate limits are enforced by the app (Redis-backed) behind the ALB. TODO in docs."));

        new ARecord(this, "Alias", new ARecordProps { Zone = zone, Target = RecordTarget.FromAlias(new CloudFrontTarget(Distribution)) });
        new AaaaRecord(this, "AliasIpv6", new AaaaRecordProps { Zone = zone, Target = RecordTarget.FromAlias(new CloudFrontTarget(Distribution)) });

        // The web build of a version is not deployed by this stack (a BucketDeployment would be a Lambda whose Python
        // runtime retires every year or two): the deploy job syncs the version's web zip into the bucket and invalidates
        // CloudFront itself (Groundwork.Deploy AwsDeployPlan). It finds both here, and may do exactly that.
        SiteBucketParameter = Parameter("site/bucket", SiteBucket.BucketName, "The static site's bucket (the deploy syncs the web build into it)");
        DistributionParameter = Parameter("site/distribution-id", Distribution.DistributionId, "The CloudFront distribution the deploy invalidates");
        var distributionArn = $"arn:aws:cloudfront::{env.Account}:distribution/{Distribution.DistributionId}";
        var siteParameters = $"arn:aws:ssm:{CloudFrontRegion}:{env.Account}:parameter{env.ParameterPath}/site/*";
        var deployAccess = DeployAccess.Grant(this, "WebDeploy", env,
            new PolicyStatement(new PolicyStatementProps
            {
                Sid = "ListSiteBucket",
                Actions = ["s3:ListBucket"],
                Resources = [SiteBucket.BucketArn],
            }),
            new PolicyStatement(new PolicyStatementProps
            {
                Sid = "SyncSiteObjects",
                // What aws s3 sync --delete from a local folder does: list (to compare), put, delete. No reads.
                Actions = ["s3:PutObject", "s3:DeleteObject"],
                Resources = [SiteBucket.ArnForObjects("*")],
            }),
            new PolicyStatement(new PolicyStatementProps
            {
                Sid = "InvalidateDistribution",
                Actions = ["cloudfront:CreateInvalidation"],
                Resources = [distributionArn],
            }),
            new PolicyStatement(new PolicyStatementProps
            {
                Sid = "FindSiteBucketAndDistribution",
                Actions = ["ssm:GetParameter"],
                Resources = [siteParameters],
            }));
        Nag.Suppress(deployAccess, new NagSuppression("AwsSolutions-IAM5",
            "aws s3 sync --delete replaces any object of the site bucket (object keys are the web build's file names), and the deploy reads only this environment's site parameters.",
            $"Resource::<{Nag.LogicalId(SiteBucket)}.Arn>/*", $"Resource::{siteParameters}"));

        StringParameter Parameter(string name, string value, string description) =>
            new(this, name.Replace("/", "-"), new StringParameterProps
            {
                ParameterName = $"{env.ParameterPath}/{name}", StringValue = value, Description = description,
            });

        ResponseHeadersPolicy Headers(string name, string? cacheControl) =>
            new(this, $"{name}Headers", new ResponseHeadersPolicyProps
            {
                ResponseHeadersPolicyName = $"groundwork-{env.Name}-{name.ToLowerInvariant()}",
                SecurityHeadersBehavior = new ResponseSecurityHeadersBehavior
                {
                    StrictTransportSecurity = new ResponseHeadersStrictTransportSecurity
                    {
                        AccessControlMaxAge = Duration.Days(365), IncludeSubdomains = true, Preload = true, Override = true,
                    },
                    ContentTypeOptions = new ResponseHeadersContentTypeOptions { Override = true },
                    FrameOptions = new ResponseHeadersFrameOptions { FrameOption = HeadersFrameOption.DENY, Override = true },
                    ReferrerPolicy = new ResponseHeadersReferrerPolicy { ReferrerPolicy = HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, Override = true },
                    XssProtection = new ResponseHeadersXSSProtection { Protection = true, ModeBlock = true, Override = true },
                },
                CustomHeadersBehavior = cacheControl is null ? null : new ResponseCustomHeadersBehavior
                {
                    CustomHeaders = [new ResponseCustomHeader { Header = "Cache-Control", Value = cacheControl, Override = true }],
                },
            });
    }
}
