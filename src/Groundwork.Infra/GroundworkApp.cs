using Amazon.CDK;
using Groundwork.Infra.Configuration;
using Groundwork.Infra.Stacks;

namespace Groundwork.Infra;

/// <summary>Every stack of the architecture: the shared management stack, then the stacks of each environment.</summary>
public sealed class GroundworkApp
{
    /// <summary>Used when no <c>-c version=...</c> is given: synth works, a deploy fails safely (no such artifact).</summary>
    public const string PlaceholderVersion = "0.0.0-unset";
    public const string Project = "groundwork";

    public ManagementStack Management { get; }
    public IReadOnlyList<EnvironmentStacks> Environments { get; }
    public string Version { get; }

    public GroundworkApp(App app, IReadOnlyList<EnvironmentSettings> environments, ManagementSettings management,
        RoutingRules routing)
    {
        Version = app.Node.TryGetContext("version") as string is { Length: > 0 } v ? v : PlaceholderVersion;
        if (!AppServerUserData.IsValidVersion(Version))
            throw new ArgumentException($"Context 'version' = '{Version}' is not a valid artifact version.");

        // Amazon.CDK.Lib 2.160 grants S3 server access log delivery with the legacy AccessControl: LogDeliveryWrite ACL
        // unless this feature flag (the default of newer libraries) is set; with it, a bucket policy for
        // logging.s3.amazonaws.com does it (cfn-lint W3045 otherwise). Set before any construct exists.
        app.Node.SetContext("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy", true);

        // The AZs are data. Without this, Vpc would ask the CLI to look them up (an AWS call) on every synth.
        foreach (var (account, region, zones) in environments.Select(e => (e.Account, e.Region, e.AvailabilityZones))
                     .Append((management.Account, management.Region, management.AvailabilityZones)).DistinctBy(x => (x.Item1, x.Item2)))
            app.Node.SetContext($"availability-zones:account={account}:region={region}", zones.ToArray());

        Management = new ManagementStack(app, "Groundwork-management", management, environments, Props(management.Account, management.Region,
            "Groundwork shared management: VPC, Jenkins, Sentry, artifacts, deploy roles", protect: true));
        Tags.Of(Management).Add("project", Project);
        Tags.Of(Management).Add("environment", "management");

        Environments = environments.Select(env => Build(app, env, management, routing)).ToList();
    }

    private EnvironmentStacks Build(App app, EnvironmentSettings env, ManagementSettings management, RoutingRules routing)
    {
        string Name(string concern) => $"Groundwork-{env.Name}-{concern}";
        IStackProps Here(string concern) => Props(env.Account, env.Region, $"Groundwork {env.Name}: {concern}", env.RetainData);

        var network = new NetworkStack(app, Name("Network"), env, Management, Here("network"));
        var monitoring = new MonitoringStack(app, Name("Monitoring"), env, Here("monitoring"));
        var data = new DataStack(app, Name("Data"), env, network, Management, Here("data stores"));
        var appStack = new AppStack(app, Name("App"), env, management, routing, Version, network, data, monitoring, Here("app tier"));
        var analytics = new AnalyticsStack(app, Name("Analytics"), env, network, data, appStack, monitoring, Here("analytics (Metabase)"));
        var site = new StaticSiteStack(app, Name("StaticSite"), env, routing,
            Props(env.Account, StaticSiteStack.CloudFrontRegion, $"Groundwork {env.Name}: static web app and CloudFront", env.RetainData));
        var alarms = new AlarmsStack(app, Name("Alarms"), env, appStack, data, monitoring, Here("alarms"));
        // CloudFront's ALB origin is a DNS name the app stack creates.
        site.AddDependency(appStack);

        var stacks = new EnvironmentStacks(env, network, monitoring, data, appStack, analytics, site, alarms);
        foreach (var stack in stacks.All)
        {
            Tags.Of(stack).Add("project", Project);
            Tags.Of(stack).Add("environment", env.Name);
        }
        return stacks;
    }

    /// <summary>Stacks holding data that must survive (production, management) cannot be deleted by accident.</summary>
    private static StackProps Props(string account, string region, string description, bool protect) => new()
    {
        Env = new Amazon.CDK.Environment { Account = account, Region = region },
        Description = description,
        TerminationProtection = protect,
    };
}

public sealed record EnvironmentStacks(
    EnvironmentSettings Settings, NetworkStack Network, MonitoringStack Monitoring, DataStack Data, AppStack App,
    AnalyticsStack Analytics, StaticSiteStack StaticSite, AlarmsStack Alarms)
{
    public IReadOnlyList<Stack> All => [Network, Monitoring, Data, App, Analytics, StaticSite, Alarms];
}
