using Amazon.CDK;
using Amazon.CDK.AWS.AutoScaling;
using Amazon.CDK.AWS.Cognito;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.Route53.Targets;
using Constructs;
using Groundwork.Infra.Components;
using Groundwork.Infra.Configuration;
using Groundwork.Infra.UserData;

namespace Groundwork.Infra.Stacks;

/// <summary>
/// The app tier: the load balancer (HTTPS, redirect, access logs, rules from config/routing.json), Cognito with Google
/// sign-in, DNS for the ALB's hosts, the parameters the app servers read at boot, the app servers' Auto Scaling group
/// and the bastion.
/// </summary>
public sealed class AppStack : ComponentStack
{
    public ApplicationLoadBalancer Alb { get; }
    public ApplicationListener HttpsListener { get; }
    public ApplicationTargetGroup AppTargets { get; }
    public ApplicationTargetGroup AnalyticsTargets { get; }
    public AutoScalingGroup AppServers { get; }
    public AutoScalingGroup Bastion { get; }
    public UserPool UserPool { get; }

    public AppStack(Construct scope, string id, EnvironmentSettings env, ManagementSettings management, RoutingRules routing,
        string version, NetworkStack network, DataStack data, MonitoringStack monitoring, IStackProps props)
        : base(scope, id, props)
    {
        var groups = network.SecurityGroups;
        var dns = new Dns(this, "Dns", new DnsProps(env.HostedZoneId, env.Domain)
        {
            CertificateDomain = env.Domain, CertificateAlternativeNames = [$"*.{env.Domain}"],
        });
        var signIn = new AdminSignIn(this, "AdminSignIn", new AdminSignInProps(env.Name, $"groundwork-{env.Name}",
            $"groundwork-{env.Name}-{env.Account}", [env.Domain, env.AnalyticsHost], $"{env.SecretPrefix}/google-oauth")
        {
            AdminEmails = env.AdminEmails, AdminDomains = env.AdminDomains, RetainData = env.RetainData,
        });
        UserPool = signIn.UserPool;
        var loadBalancer = new LoadBalancer(this, "LoadBalancer", new LoadBalancerProps
        {
            Name = $"groundwork-{env.Name}",
            Vpc = network.Vpc,
            InternetFacing = true,
            SecurityGroup = groups.Alb,
            Certificate = dns.Certificate!,
            RetainData = env.RetainData,
            DeletionProtection = env.RetainData,
            Targets =
            [
                new TargetSpec("app", "AppTargets", $"groundwork-{env.Name}-app", TierSecurityGroups.AppPort, "/health/ready")
                {
                    HealthInterval = Duration.Seconds(10), HealthTimeout = Duration.Seconds(5), HealthyThreshold = 2, UnhealthyThreshold = 3,
                },
                new TargetSpec("analytics", "AnalyticsTargets", $"groundwork-{env.Name}-metabase", TierSecurityGroups.MetabasePort, "/api/health"),
            ],
            Routing = routing,
            SignIn = signIn.ForAlb,
        });
        (Alb, HttpsListener) = (loadBalancer.Alb, loadBalancer.HttpsListener);
        (AppTargets, AnalyticsTargets) = (loadBalancer.Targets["app"], loadBalancer.Targets["analytics"]);
        // CloudFront reaches the ALB by name; analysts reach Metabase on its own host.
        dns.Alias("OriginRecord", env.OriginHost, new LoadBalancerTarget(Alb));
        dns.Alias("AnalyticsRecord", env.AnalyticsHost, new LoadBalancerTarget(Alb));

        AppServers = AppServerGroup(env, management, version, network, data, monitoring);

        Bastion = new Bastion(this, "Bastion", new BastionProps($"groundwork-{env.Name}-bastion", network.Vpc, groups.Bastion)
        {
            RoleDescription = $"groundwork-{env.Name} bastion", InstanceType = env.Bastion.InstanceType, Notifications = monitoring.AlarmTopic,
        }).Group;
    }

    /// <summary>The app servers: the app target group's instances, reading the app's secrets and parameters.</summary>
    private AutoScalingGroup AppServerGroup(EnvironmentSettings env, ManagementSettings management, string version,
        NetworkStack network, DataStack data, MonitoringStack monitoring)
    {
        var parameters = BootParameters(env);
        return new AppServers(this, "AppServers", new AppServersProps
        {
            Name = $"groundwork-{env.Name}-app",
            RoleDescription = $"groundwork-{env.Name} app servers",
            Vpc = network.Vpc,
            SecurityGroup = network.SecurityGroups.App,
            InstanceType = env.AppServers.InstanceType,
            MinCapacity = env.AppServers.MinCapacity,
            MaxCapacity = env.AppServers.MaxCapacity,
            TargetCpuPercent = env.AppServers.TargetCpuPercent,
            Notifications = monitoring.AlarmTopic,
            Targets = AppTargets,
            ArtifactsBucketName = management.ArtifactsBucketName,
            // The app's own database user (read at connection time), never the master or the analytics user's secret.
            ReadableSecrets = [data.AppCredentials, data.CacheAuthToken, monitoring.NewRelicLicense, monitoring.SentryDsn],
            ParameterArn = Parameters.Arn(env.Region, env.Account, env.ParameterPath),
            BootDependencies = parameters,
            UserData = (stackName, signalResource) => new AppServerUserDataSettings
            {
                Version = version,
                EnvironmentName = env.Name,
                ArtifactBucket = management.ArtifactsBucketName,
                Region = env.Region,
                StackName = stackName,
                SignalResource = signalResource,
                ParameterPath = env.ParameterPath,
                DatabaseCredentialsSecret = data.AppCredentials.SecretArn,
                RedisAuthSecret = data.CacheAuthToken.SecretArn,
                NewRelicLicenseSecret = monitoring.NewRelicLicense.SecretArn,
                SentryDsnSecret = monitoring.SentryDsn.SecretArn,
                Port = TierSecurityGroups.AppPort,
            },
        }).Group;
    }

    /// <summary>Configuration the app servers read at boot (SSM): who signs the identity header, and the admin allowlist.</summary>
    private IDependable[] BootParameters(EnvironmentSettings env)
    {
        var parameters = new Parameters(this, "Parameters", env.ParameterPath);
        return
        [
            parameters.Add("app/alb-arn", Alb.LoadBalancerArn, "ALB ARN: the signer of x-amzn-oidc-data the app verifies"),
            parameters.Add("app/alb-key-endpoint", $"https://public-keys.auth.elb.{env.Region}.amazonaws.com", "Where the ALB's ES256 signing keys are published"),
            parameters.Add("app/alb-issuer", $"https://cognito-idp.{env.Region}.amazonaws.com/{UserPool.UserPoolId}", "Issuer of the Cognito identity the ALB forwards"),
            parameters.Add("app/admin-emails", env.AdminEmails.Count > 0 ? string.Join(',', env.AdminEmails) : "none", "Admin allowlist (comma-separated; 'none' = nobody)"),
            parameters.Add("app/admin-domains", env.AdminDomains.Count > 0 ? string.Join(',', env.AdminDomains) : "none", "Admin allowlist by email domain (comma-separated; 'none' = none)"),
        ];
    }
}
