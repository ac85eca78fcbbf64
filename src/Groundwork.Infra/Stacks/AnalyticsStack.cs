using Amazon.CDK;
using Amazon.CDK.AWS.AutoScaling;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.RDS;
using InstanceType = Amazon.CDK.AWS.EC2.InstanceType;
using Constructs;
using Groundwork.Infra.Configuration;
using Groundwork.Infra.Constructs;
using HealthCheck = Amazon.CDK.AWS.AutoScaling.HealthCheck;

namespace Groundwork.Infra.Stacks;

/// <summary>
/// Metabase in the app subnets, behind the ALB's analytics host rule (Cognito sign-in first), with its own small
/// application database; it queries the read replica as the read-only analytics user.
/// </summary>
public sealed class AnalyticsStack : Stack
{
    public const string MetabaseVersion = "v0.50.36";
    public AutoScalingGroup Metabase { get; }
    public DatabaseInstance MetabaseDatabase { get; }
    public SecurityGroup DatabaseSecurityGroup { get; }

    public AnalyticsStack(Construct scope, string id, EnvironmentSettings env, NetworkStack network, DataStack data,
        AppStack app, MonitoringStack monitoring, IStackProps props) : base(scope, id, props)
    {
        var groups = network.SecurityGroups;
        DatabaseSecurityGroup = TierSecurityGroups.Create(this, "MetabaseDatabase", network.Vpc, env, "Metabase application database");
        DatabaseSecurityGroup.AddIngressRule(groups.Analytics, Port.Tcp(TierSecurityGroups.MySqlPort), "Metabase's own application database");
        MetabaseDatabase = new DatabaseInstance(this, "MetabaseDatabase", new DatabaseInstanceProps
        {
            InstanceIdentifier = $"groundwork-{env.Name}-metabase",
            // The same engine and version as the app's databases: one MariaDB to patch and know (Metabase supports it
            // as its application database through MB_DB_TYPE=mysql).
            Engine = DataStack.Engine(),
            InstanceType = new InstanceType(env.Analytics.DatabaseInstanceType),
            Vpc = network.Vpc,
            VpcSubnets = new SubnetSelection { SubnetGroupName = Tiers.Data },
            SecurityGroups = [DatabaseSecurityGroup],
            DatabaseName = "metabase",
            Credentials = Credentials.FromGeneratedSecret("metabase", new CredentialsBaseOptions { SecretName = $"{env.SecretPrefix}/db/metabase" }),
            StorageEncrypted = true,
            StorageType = StorageType.GP3,
            AllocatedStorage = 20,
            BackupRetention = Duration.Days(7),
            DeletionProtection = env.RetainData,
            RemovalPolicy = env.RetainData ? RemovalPolicy.RETAIN : RemovalPolicy.SNAPSHOT,
            PubliclyAccessible = false,
            MultiAz = false,
            AutoMinorVersionUpgrade = true,
            CloudwatchLogsExports = ["error"],
        });
        var suppressions = new List<NagSuppression>
        {
            new("AwsSolutions-RDS3", "Metabase's own application database holds only saved questions and dashboards; a single AZ with daily backups is enough."),
            new("AwsSolutions-RDS11", "The default MariaDB port is kept: only Metabase's security group can reach it."),
        };
        if (!env.RetainData)
            suppressions.Add(new("AwsSolutions-RDS10", "Staging is disposable: deletion protection would block tearing it down. Production enables it."));
        Nag.Suppress(MetabaseDatabase, suppressions.ToArray());
        // The generated secret itself (DatabaseInstance.Secret is its attachment to the instance).
        Nag.Suppress(MetabaseDatabase.Node.FindChild("Secret"), new NagSuppression("AwsSolutions-SMG4",
            "Metabase's own application-database login: Metabase reads it once at boot (MB_DB_PASS) and keeps its pool, so a rotation needs a coordinated restart; not rotated. Only Metabase's security group reaches this database, and no other role may read the secret."));

        var role = Hosts.InstanceRole(this, "MetabaseRole", $"groundwork-{env.Name} Metabase");
        MetabaseDatabase.Secret!.GrantRead(role);
        data.AnalyticsReadOnly.GrantRead(role);

        var userData = Amazon.CDK.AWS.EC2.UserData.ForLinux();
        userData.AddCommands(
            "set -euo pipefail",
            "dnf install -y java-21-amazon-corretto-headless jq",
            "id metabase >/dev/null 2>&1 || useradd --system --home-dir /opt/metabase --create-home --shell /sbin/nologin metabase",
            $"curl -fsSL -o /opt/metabase/metabase.jar https://downloads.metabase.com/{MetabaseVersion}/metabase.jar",
            $"DB=\"$(aws secretsmanager get-secret-value --region {env.Region} --secret-id {MetabaseDatabase.Secret!.SecretArn} --query SecretString --output text)\"",
            "umask 077; mkdir -p /etc/metabase",
            "printf 'MB_DB_TYPE=mysql\\nMB_DB_HOST=%s\\nMB_DB_PORT=%s\\nMB_DB_DBNAME=metabase\\nMB_DB_USER=%s\\nMB_DB_PASS=%s\\nMB_JETTY_PORT=3000\\nMB_SITE_URL=https://" + env.AnalyticsHost + "\\n' "
                + "\"$(jq -r .host <<<\"$DB\")\" \"$(jq -r .port <<<\"$DB\")\" \"$(jq -r .username <<<\"$DB\")\" \"$(jq -r .password <<<\"$DB\")\" > /etc/metabase/metabase.env",
            "printf '[Unit]\\nDescription=Metabase\\nAfter=network-online.target\\n[Service]\\nUser=metabase\\nEnvironmentFile=/etc/metabase/metabase.env\\nExecStart=/usr/bin/java -Xmx1g -jar /opt/metabase/metabase.jar\\nRestart=on-failure\\n[Install]\\nWantedBy=multi-user.target\\n' > /etc/systemd/system/metabase.service",
            "systemctl daemon-reload && systemctl enable --now metabase");

        var template = Hosts.LaunchTemplate(this, "MetabaseTemplate", $"groundwork-{env.Name}-metabase",
            env.Analytics.InstanceType, groups.Analytics, role, userData, detailedMonitoring: false);
        Metabase = new AutoScalingGroup(this, "Metabase", new AutoScalingGroupProps
        {
            AutoScalingGroupName = $"groundwork-{env.Name}-metabase",
            Vpc = network.Vpc,
            VpcSubnets = new SubnetSelection { SubnetGroupName = Tiers.App },
            LaunchTemplate = template,
            MinCapacity = 1,
            MaxCapacity = 1,
            Notifications = [new NotificationConfiguration { Topic = monitoring.AlarmTopic }],
            HealthCheck = HealthCheck.Elb(new ElbHealthCheckOptions { Grace = Duration.Minutes(10) }),
        });
        Metabase.AttachToApplicationTargetGroup(app.AnalyticsTargets);
    }
}
