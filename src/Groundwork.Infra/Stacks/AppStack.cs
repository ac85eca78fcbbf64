using Amazon.CDK;
using Amazon.CDK.AWS.AutoScaling;
using Amazon.CDK.AWS.CertificateManager;
using Amazon.CDK.AWS.Cognito;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Route53;
using Amazon.CDK.AWS.Route53.Targets;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SecretsManager;
using Amazon.CDK.AWS.SSM;
using Constructs;
using Groundwork.Infra.Configuration;
using Groundwork.Infra.Constructs;
using Groundwork.Infra.UserData;
using HealthCheck = Amazon.CDK.AWS.AutoScaling.HealthCheck;
using TargetHealthCheck = Amazon.CDK.AWS.ElasticLoadBalancingV2.HealthCheck;

namespace Groundwork.Infra.Stacks;

/// <summary>
/// The app tier: ALB (HTTPS, redirect, access logs, rules from config/routing.json), Cognito with Google sign-in,
/// the app servers' Auto Scaling group (rolling updates gated by health signals) and the bastion.
/// </summary>
public sealed class AppStack : Stack
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
        var vpc = network.Vpc;
        var groups = network.SecurityGroups;
        var zone = HostedZone.FromHostedZoneAttributes(this, "Zone", new HostedZoneAttributes { HostedZoneId = env.HostedZoneId, ZoneName = env.Domain });
        var certificate = new Certificate(this, "Certificate", new CertificateProps
        {
            DomainName = env.Domain,
            SubjectAlternativeNames = [$"*.{env.Domain}"],
            Validation = CertificateValidation.FromDns(zone),
        });

        // --- Load balancer -------------------------------------------------------------------------------------
        var logs = Buckets.AccessLogBucket(this, "AlbAccessLogs", env.RetainData);
        Alb = new ApplicationLoadBalancer(this, "Alb", new ApplicationLoadBalancerProps
        {
            LoadBalancerName = $"groundwork-{env.Name}",
            Vpc = vpc,
            InternetFacing = true,
            VpcSubnets = new SubnetSelection { SubnetGroupName = Tiers.Public },
            SecurityGroup = groups.Alb,
            DropInvalidHeaderFields = true,
            DeletionProtection = env.RetainData,
        });
        Alb.LogAccessLogs(logs, "alb");

        AppTargets = new ApplicationTargetGroup(this, "AppTargets", new ApplicationTargetGroupProps
        {
            TargetGroupName = $"groundwork-{env.Name}-app",
            Vpc = vpc,
            Port = TierSecurityGroups.AppPort,
            Protocol = ApplicationProtocol.HTTP,
            TargetType = TargetType.INSTANCE,
            // Short enough for fast rolling updates, long enough for in-flight requests to drain (graceful shutdown).
            DeregistrationDelay = Duration.Seconds(30),
            HealthCheck = new TargetHealthCheck
            {
                Path = "/health/ready", HealthyHttpCodes = "200", Interval = Duration.Seconds(10),
                Timeout = Duration.Seconds(5), HealthyThresholdCount = 2, UnhealthyThresholdCount = 3,
            },
        });
        AnalyticsTargets = new ApplicationTargetGroup(this, "AnalyticsTargets", new ApplicationTargetGroupProps
        {
            TargetGroupName = $"groundwork-{env.Name}-metabase",
            Vpc = vpc,
            Port = TierSecurityGroups.MetabasePort,
            Protocol = ApplicationProtocol.HTTP,
            TargetType = TargetType.INSTANCE,
            DeregistrationDelay = Duration.Seconds(30),
            HealthCheck = new TargetHealthCheck { Path = "/api/health", HealthyHttpCodes = "200", Interval = Duration.Seconds(30) },
        });
        var targets = new Dictionary<string, IApplicationTargetGroup> { ["app"] = AppTargets, ["analytics"] = AnalyticsTargets };

        Alb.AddListener("Http", new BaseApplicationListenerProps
        {
            Port = 80,
            Protocol = ApplicationProtocol.HTTP,
            Open = false, // the ALB security group already admits 80/443 from anywhere
            DefaultAction = ListenerAction.Redirect(new RedirectOptions { Protocol = "HTTPS", Port = "443", Permanent = true }),
        });
        HttpsListener = Alb.AddListener("Https", new BaseApplicationListenerProps
        {
            Port = 443,
            Protocol = ApplicationProtocol.HTTPS,
            Open = false,
            Certificates = [ListenerCertificate.FromCertificateManager(certificate)],
            SslPolicy = SslPolicy.RECOMMENDED_TLS,
            DefaultAction = ListenerAction.Forward([targets[routing.AlbDefaultTarget]]),
        });

        // --- Cognito: allowlisted admins and analysts sign in with Google ------------------------------------
        var signIn = new AdminSignIn(this, env);
        UserPool = signIn.UserPool;

        RoutedListenerRules.Apply(HttpsListener, routing, targets, signIn.ForAlb);

        // CloudFront reaches the ALB by name; analysts reach Metabase on its own host.
        foreach (var (recordId, host) in new[] { ("OriginRecord", env.OriginHost), ("AnalyticsRecord", env.AnalyticsHost) })
        {
            new ARecord(this, recordId, new ARecordProps
            {
                Zone = zone, RecordName = host, Target = RecordTarget.FromAlias(new LoadBalancerTarget(Alb)),
            });
        }

        // --- Configuration the app servers read at boot ----------------------------------------------------------
        var parameters = new[]
        {
            Parameter("app/alb-arn", Alb.LoadBalancerArn, "ALB ARN: the signer of x-amzn-oidc-data the app verifies"),
            Parameter("app/alb-key-endpoint", $"https://public-keys.auth.elb.{env.Region}.amazonaws.com", "Where the ALB's ES256 signing keys are published"),
            Parameter("app/alb-issuer", $"https://cognito-idp.{env.Region}.amazonaws.com/{UserPool.UserPoolId}", "Issuer of the Cognito identity the ALB forwards"),
            Parameter("app/admin-emails", env.AdminEmails.Count > 0 ? string.Join(',', env.AdminEmails) : "none", "Admin allowlist (comma-separated; 'none' = nobody)"),
            Parameter("app/admin-domains", env.AdminDomains.Count > 0 ? string.Join(',', env.AdminDomains) : "none", "Admin allowlist by email domain (comma-separated; 'none' = none)"),
        };

        // --- App servers ----------------------------------------------------------------------------------------
        var role = Hosts.InstanceRole(this, "AppServerRole", $"groundwork-{env.Name} app servers");
        var artifacts = Bucket.FromBucketName(this, "Artifacts", management.ArtifactsBucketName);
        artifacts.GrantRead(role, "groundwork-*");
        // The app's own database user (read at connection time), never the master or the analytics user's secret.
        data.AppCredentials.GrantRead(role);
        data.CacheAuthToken.GrantRead(role);
        monitoring.NewRelicLicense.GrantRead(role);
        monitoring.SentryDsn.GrantRead(role);
        var parameterArn = $"arn:aws:ssm:{env.Region}:{env.Account}:parameter{env.ParameterPath}/*";
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps { Actions = ["ssm:GetParameter", "ssm:GetParameters"], Resources = [parameterArn] }));
        Nag.Suppress(role, new NagSuppression("AwsSolutions-IAM5",
            "App servers read only their environment's parameter path and versioned artifacts (groundwork-<version>.tar.gz); the S3 actions are the CDK read grant.",
            $"Resource::{parameterArn}", "Action::s3:GetBucket*", "Action::s3:GetObject*", "Action::s3:List*",
            $"Resource::arn:<AWS::Partition>:s3:::{management.ArtifactsBucketName}/groundwork-*"));

        var userData = Amazon.CDK.AWS.EC2.UserData.ForLinux();
        var template = Hosts.LaunchTemplate(this, "AppServerTemplate", $"groundwork-{env.Name}-app", env.AppServers.InstanceType,
            groups.App, role, userData);
        AppServers = new AutoScalingGroup(this, "AppServers", new AutoScalingGroupProps
        {
            AutoScalingGroupName = $"groundwork-{env.Name}-app",
            Vpc = vpc,
            VpcSubnets = new SubnetSelection { SubnetGroupName = Tiers.App },
            LaunchTemplate = template,
            MinCapacity = env.AppServers.MinCapacity,
            MaxCapacity = env.AppServers.MaxCapacity,
            Notifications = [new NotificationConfiguration { Topic = monitoring.AlarmTopic }],
            HealthCheck = HealthCheck.Elb(new ElbHealthCheckOptions { Grace = Duration.Minutes(5) }),
            // Creation and every update wait for each new instance's cfn-signal (sent after /health/ready).
            Signals = Signals.WaitForMinCapacity(new SignalsOptions { Timeout = Duration.Minutes(15) }),
            // Zero downtime: keep min capacity in service, replace one instance at a time, roll back on a failed signal.
            UpdatePolicy = UpdatePolicy.RollingUpdate(new RollingUpdateOptions
            {
                MaxBatchSize = 1,
                MinInstancesInService = env.AppServers.MinCapacity,
                WaitOnResourceSignals = true,
                PauseTime = Duration.Minutes(15),
            }),
        });
        AppServers.AttachToApplicationTargetGroup(AppTargets);
        AppServers.ScaleOnCpuUtilization("CpuTarget", new CpuUtilizationScalingProps { TargetUtilizationPercent = env.AppServers.TargetCpuPercent });
        foreach (var parameter in parameters) AppServers.Node.AddDependency(parameter);

        var script = AppServerUserData.Render(new AppServerUserDataSettings
        {
            Version = version,
            EnvironmentName = env.Name,
            ArtifactBucket = management.ArtifactsBucketName,
            Region = env.Region,
            StackName = StackName,
            SignalResource = GetLogicalId((CfnElement)AppServers.Node.DefaultChild!),
            ParameterPath = env.ParameterPath,
            DatabaseCredentialsSecret = data.AppCredentials.SecretArn,
            RedisAuthSecret = data.CacheAuthToken.SecretArn,
            NewRelicLicenseSecret = monitoring.NewRelicLicense.SecretArn,
            SentryDsnSecret = monitoring.SentryDsn.SecretArn,
            Port = TierSecurityGroups.AppPort,
        });
        // UserData.ForLinux writes the shebang itself.
        userData.AddCommands(script.Split('\n').Skip(1).ToArray());

        // --- Bastion: exactly one, the only SSH entry -----------------------------------------------------------
        var bastionRole = Hosts.InstanceRole(this, "BastionRole", $"groundwork-{env.Name} bastion");
        var bastionUserData = Amazon.CDK.AWS.EC2.UserData.ForLinux();
        bastionUserData.AddCommands("dnf upgrade -y --security");
        var bastionTemplate = Hosts.LaunchTemplate(this, "BastionTemplate", $"groundwork-{env.Name}-bastion",
            env.Bastion.InstanceType, groups.Bastion, bastionRole, bastionUserData, detailedMonitoring: false);
        Bastion = new AutoScalingGroup(this, "Bastion", new AutoScalingGroupProps
        {
            AutoScalingGroupName = $"groundwork-{env.Name}-bastion",
            Vpc = vpc,
            VpcSubnets = new SubnetSelection { SubnetGroupName = Tiers.Public },
            LaunchTemplate = bastionTemplate,
            MinCapacity = 1,
            MaxCapacity = 1,
            Notifications = [new NotificationConfiguration { Topic = monitoring.AlarmTopic }],
        });

        StringParameter Parameter(string name, string value, string description) =>
            new(this, name.Replace("/", "-"), new StringParameterProps
            {
                ParameterName = $"{env.ParameterPath}/{name}", StringValue = value, Description = description,
            });
    }
}
