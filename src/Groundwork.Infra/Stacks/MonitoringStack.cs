using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.SecretsManager;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Amazon.CDK.AWS.SSM;
using Constructs;
using Groundwork.Infra.Components;
using Groundwork.Infra.Configuration;
using Groundwork.Infra.BuildingBlocks;

namespace Groundwork.Infra.Stacks;

/// <summary>
/// Monitoring that must exist before the app boots: the alarm topic, the New Relic license key and OTLP endpoint, the
/// Sentry DSN. The alarms themselves are in <see cref="AlarmsStack"/> (they watch resources of later stacks).
/// </summary>
public sealed class MonitoringStack : ComponentStack
{
    public Topic AlarmTopic { get; }
    public Secret NewRelicLicense { get; }
    public Secret SentryDsn { get; }

    public MonitoringStack(Construct scope, string id, EnvironmentSettings env, IStackProps props) : base(scope, id, props)
    {
        var key = AlarmTopicKey(env);
        AlarmTopic = new Topic(this, "AlarmTopic", new TopicProps
        {
            TopicName = $"groundwork-{env.Name}-alarms",
            MasterKey = key,
            EnforceSSL = true,
        });
        // Checked here too, for settings that did not come through EnvironmentFiles: an alarm topic nobody reads is no alarm.
        env.Validate();
        foreach (var email in env.AlarmEmails)
            AlarmTopic.AddSubscription(new EmailSubscription(email));

        // Vendor-issued values: the stack creates them empty; an operator stores the real ones. Empty means "off"
        // (the app server skips the New Relic agent and the Sentry SDK stays disabled).
        NewRelicLicense = new Secret(this, "NewRelicLicense", new SecretProps
        {
            SecretName = $"{env.SecretPrefix}/newrelic/license-key",
            Description = "New Relic ingest license key (JSON: licenseKey); used by the infrastructure agent and as the OTLP api-key",
            SecretObjectValue = new Dictionary<string, SecretValue> { ["licenseKey"] = SecretValue.UnsafePlainText("") },
        });
        SentryDsn = new Secret(this, "SentryDsn", new SecretProps
        {
            SecretName = $"{env.SecretPrefix}/sentry/dsn",
            Description = "DSN of the Groundwork project in the self-hosted Sentry (JSON: dsn)",
            SecretObjectValue = new Dictionary<string, SecretValue> { ["dsn"] = SecretValue.UnsafePlainText("") },
        });
        Nag.Suppress(NewRelicLicense, new NagSuppression("AwsSolutions-SMG4",
            "The license key is issued by New Relic and rotated there; Secrets Manager cannot generate a valid one."));
        Nag.Suppress(SentryDsn, new NagSuppression("AwsSolutions-SMG4",
            "The DSN is issued by Sentry when the project is created; rotating it means creating a new key in Sentry."));

        new StringParameter(this, "OtlpEndpoint", new StringParameterProps
        {
            ParameterName = $"{env.ParameterPath}/monitoring/otlp-endpoint",
            StringValue = env.NewRelicOtlpEndpoint,
            Description = "OTLP endpoint the app exports traces, metrics and logs to (New Relic)",
        });
    }

    /// <summary>The alarm topic's KMS key: CloudWatch alarms and Auto Scaling notifications may use it, nobody else.</summary>
    private Key AlarmTopicKey(EnvironmentSettings env)
    {
        var key = new Key(this, "AlarmTopicKey", new KeyProps
        {
            Description = $"groundwork-{env.Name} alarm topic",
            EnableKeyRotation = true,
            RemovalPolicy = env.RetainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        });
        // CloudWatch alarms publish to an encrypted topic only if CloudWatch may use the key.
        key.GrantEncryptDecrypt(new ServicePrincipal("cloudwatch.amazonaws.com"));
        // Auto Scaling publishes launch/terminate notifications as its service-linked role. Named by condition, not as
        // principal: KMS rejects a principal that does not exist yet (the role appears with the account's first ASG).
        key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "AutoScalingNotifications",
            Principals = [new AnyPrincipal()],
            Actions = ["kms:GenerateDataKey*", "kms:Decrypt"],
            Resources = ["*"],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object>
                {
                    ["aws:PrincipalArn"] = $"arn:aws:iam::{env.Account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
                    ["kms:CallerAccount"] = env.Account,
                },
            },
        }));
        return key;
    }
}
