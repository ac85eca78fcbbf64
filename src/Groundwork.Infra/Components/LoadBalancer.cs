using Amazon.CDK;
using Amazon.CDK.AWS.CertificateManager;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Constructs;
using Groundwork.Infra.BuildingBlocks;
using TargetHealthCheck = Amazon.CDK.AWS.ElasticLoadBalancingV2.HealthCheck;

namespace Groundwork.Infra.Components;

/// <summary>One target group behind the load balancer, named as config/routing.json names targets.</summary>
/// <param name="RoutingName">The target's name in routing.json ("app", "analytics").</param>
/// <param name="Id">Construct id (part of the logical id: kept stable).</param>
public sealed record TargetSpec(string RoutingName, string Id, string Name, int Port, string HealthPath)
{
    public Duration HealthInterval { get; init; } = Duration.Seconds(30);
    public Duration? HealthTimeout { get; init; }
    public int? HealthyThreshold { get; init; }
    public int? UnhealthyThreshold { get; init; }
    /// <summary>Long enough for in-flight requests to drain (graceful shutdown), short enough for fast rolling updates.</summary>
    public Duration? DeregistrationDelay { get; init; } = Duration.Seconds(30);
}

public sealed record LoadBalancerProps
{
    public required string Name { get; init; }
    public required IVpc Vpc { get; init; }
    public required ISecurityGroup SecurityGroup { get; init; }
    public required ICertificate Certificate { get; init; }
    public required IReadOnlyList<TargetSpec> Targets { get; init; }
    /// <summary>The listener rules; with none, everything goes to the first target.</summary>
    public RoutingRules? Routing { get; init; }
    /// <summary>Cognito in front of the rules that authenticate (required when a rule does).</summary>
    public RoutedListenerRules.CognitoSignIn? SignIn { get; init; }
    /// <summary>Internal by default: only the architecture's front door is internet-facing, and says so.</summary>
    public bool InternetFacing { get; init; }
    public string SubnetGroup { get; init; } = Tiers.Public;
    /// <summary>Retained access logs and deletion protection (production); a disposable environment says false.</summary>
    public bool RetainData { get; init; } = true;
    /// <summary>Construct ids (part of the logical ids: kept stable).</summary>
    public string Id { get; init; } = "Alb";
    public string AccessLogsId { get; init; } = "AlbAccessLogs";
    public string AccessLogPrefix { get; init; } = "alb";
    /// <summary>The HTTPS port; port 80 answers with a permanent redirect to it when <see cref="RedirectHttp"/>.</summary>
    public int HttpsPort { get; init; } = 443;
    public bool RedirectHttp { get; init; } = true;
    /// <summary>Null leaves the ALB attribute unset (AWS's default: off).</summary>
    public bool? DeletionProtection { get; init; } = true;
}

/// <summary>
/// The load balancer with routing rules (architecture #5): an ALB with HTTPS (recommended TLS policy), HTTP→HTTPS
/// redirect, invalid header fields dropped, access logs in their own bucket, one target group per routed target, and
/// the listener rules of config/routing.json (Cognito sign-in first where a rule says so).
/// </summary>
public sealed class LoadBalancer : Component
{
    public ApplicationLoadBalancer Alb { get; }
    public ApplicationListener HttpsListener { get; }
    public IReadOnlyDictionary<string, ApplicationTargetGroup> Targets { get; }

    public LoadBalancer(Construct scope, string id, LoadBalancerProps props) : base(scope, id)
    {
        var logs = Buckets.AccessLogBucket(this, props.AccessLogsId, props.RetainData);
        Alb = new ApplicationLoadBalancer(this, props.Id, new ApplicationLoadBalancerProps
        {
            LoadBalancerName = props.Name,
            Vpc = props.Vpc,
            InternetFacing = props.InternetFacing,
            VpcSubnets = new SubnetSelection { SubnetGroupName = props.SubnetGroup },
            SecurityGroup = props.SecurityGroup,
            DropInvalidHeaderFields = true,
            DeletionProtection = props.DeletionProtection,
        });
        Alb.LogAccessLogs(logs, props.AccessLogPrefix);
        Targets = props.Targets.ToDictionary(t => t.RoutingName, t => TargetGroup(props.Vpc, t));

        if (props.RedirectHttp)
            Alb.AddListener("Http", new BaseApplicationListenerProps
            {
                Port = 80,
                Protocol = ApplicationProtocol.HTTP,
                Open = false, // the security group says who may connect
                DefaultAction = ListenerAction.Redirect(new RedirectOptions { Protocol = "HTTPS", Port = props.HttpsPort.ToString(System.Globalization.CultureInfo.InvariantCulture), Permanent = true }),
            });
        var defaultTarget = props.Routing is { } r ? Targets[r.AlbDefaultTarget] : Targets[props.Targets[0].RoutingName];
        HttpsListener = Alb.AddListener("Https", new BaseApplicationListenerProps
        {
            Port = props.HttpsPort,
            Protocol = ApplicationProtocol.HTTPS,
            Open = false,
            Certificates = [ListenerCertificate.FromCertificateManager(props.Certificate)],
            SslPolicy = SslPolicy.RECOMMENDED_TLS,
            DefaultAction = ListenerAction.Forward([defaultTarget]),
        });
        if (props.Routing is { } routing)
            RoutedListenerRules.Apply(HttpsListener, routing, Targets.ToDictionary(t => t.Key, t => (IApplicationTargetGroup)t.Value),
                props.SignIn ?? throw new ArgumentException("Routing rules need the Cognito sign-in for the rules that authenticate."));
    }

    private ApplicationTargetGroup TargetGroup(IVpc vpc, TargetSpec spec) =>
        new(this, spec.Id, new ApplicationTargetGroupProps
        {
            TargetGroupName = spec.Name,
            Vpc = vpc,
            Port = spec.Port,
            Protocol = ApplicationProtocol.HTTP,
            TargetType = TargetType.INSTANCE,
            DeregistrationDelay = spec.DeregistrationDelay,
            HealthCheck = new TargetHealthCheck
            {
                Path = spec.HealthPath, HealthyHttpCodes = "200", Interval = spec.HealthInterval,
                Timeout = spec.HealthTimeout, HealthyThresholdCount = spec.HealthyThreshold, UnhealthyThresholdCount = spec.UnhealthyThreshold,
            },
        });
}
