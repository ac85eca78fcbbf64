using Amazon.CDK;
using Amazon.CDK.AWS.CertificateManager;
using Amazon.CDK.AWS.CloudFront;
using Amazon.CDK.AWS.CloudFront.Origins;
using Amazon.CDK.AWS.S3;
using Constructs;
using Groundwork.Infra.BuildingBlocks;
using Function = Amazon.CDK.AWS.CloudFront.Function;
using FunctionProps = Amazon.CDK.AWS.CloudFront.FunctionProps;

namespace Groundwork.Infra.Components;

/// <param name="Name">The distribution's comment and the prefix of its response headers policies.</param>
/// <param name="Domain">The public name (the certificate must be in us-east-1 and cover it).</param>
/// <param name="OriginHost">The ALB's name: everything that is not the static site goes there.</param>
/// <param name="Paths">The static-site paths of config/routing.json and their caching.</param>
public sealed record StaticSiteProps(string Name, string Domain, ICertificate Certificate, string OriginHost, StaticSiteRoutes Paths)
{
    /// <summary>The site and log buckets survive stack deletion.</summary>
    public bool RetainData { get; init; } = true;
}

/// <summary>
/// The static web app (architecture #4): a private S3 bucket reached only through CloudFront's origin access control,
/// CloudFront on the environment's domain (TLS 1.2+, HTTP/2 and 3, security headers on every response, access logs),
/// the static-site paths served from the bucket with their cache headers and an SPA fallback, everything else (short
/// links /{slug}, /api, /admin) passed to the ALB uncached.
/// </summary>
public sealed class StaticSite : Component
{
    /// <summary>Where CloudFront's certificate must be, and so this component's stack.</summary>
    public const string CloudFrontRegion = "us-east-1";
    public Bucket Bucket { get; }
    public Distribution Distribution { get; }
    private readonly string _name;

    public StaticSite(Construct scope, string id, StaticSiteProps props) : base(scope, id)
    {
        _name = props.Name;
        var logs = Buckets.AccessLogBucket(this, "Logs", props.RetainData, forCloudFront: true, receivesS3ServerAccessLogs: true);
        Bucket = Buckets.Private(this, "Site", props.RetainData, logs, "s3/");
        var alb = new HttpOrigin(props.OriginHost, new HttpOriginProps
        {
            ProtocolPolicy = OriginProtocolPolicy.HTTPS_ONLY,
            OriginSslProtocols = [OriginSslPolicy.TLS_V1_2],
        });
        Distribution = new Distribution(this, "Distribution", new DistributionProps
        {
            Comment = props.Name,
            DomainNames = [props.Domain],
            Certificate = props.Certificate,
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
                // The app decides its own caching (a short link's 302 must never be cached): security headers only.
                ResponseHeadersPolicy = Headers("App", null),
            },
        });
        ServeStaticPaths(props.Paths);
        Nag.Suppress(Distribution,
            new NagSuppression("AwsSolutions-CFR1", "A public link shortener serves every country; no geo restriction."),
            new NagSuppression("AwsSolutions-CFR2", "WAF is not part of the seed architecture; rate limits are enforced by the app (Redis-backed) behind the ALB. TODO in docs."));
    }

    /// <summary>The static-site paths from the bucket: immutable assets cached a year, no-cache paths revalidated, the rest an hour.</summary>
    private void ServeStaticPaths(StaticSiteRoutes paths)
    {
        var s3 = S3BucketOrigin.WithOriginAccessControl(Bucket);
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
        foreach (var pattern in paths.PathPatterns)
        {
            var isImmutable = paths.ImmutablePathPatterns.Contains(pattern);
            var isNoCache = paths.NoCachePathPatterns.Contains(pattern);
            Distribution.AddBehavior(pattern, s3, new AddBehaviorOptions
            {
                ViewerProtocolPolicy = ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                AllowedMethods = AllowedMethods.ALLOW_GET_HEAD,
                CachePolicy = isNoCache ? CachePolicy.CACHING_DISABLED : CachePolicy.CACHING_OPTIMIZED,
                ResponseHeadersPolicy = isImmutable ? immutable : isNoCache ? noCache : standard,
                FunctionAssociations = [new FunctionAssociation { EventType = FunctionEventType.VIEWER_REQUEST, Function = spaFallback }],
            });
        }
    }

    /// <summary>HSTS (a year, preload), nosniff, DENY framing, strict referrer, XSS protection; plus Cache-Control when given.</summary>
    private ResponseHeadersPolicy Headers(string name, string? cacheControl) =>
        new(this, $"{name}Headers", new ResponseHeadersPolicyProps
        {
            ResponseHeadersPolicyName = $"{_name}-{name.ToLowerInvariant()}",
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
