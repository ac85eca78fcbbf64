using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ElastiCache;
using Amazon.CDK.AWS.RDS;
using InstanceType = Amazon.CDK.AWS.EC2.InstanceType;
using Amazon.CDK.AWS.SecretsManager;
using Amazon.CDK.AWS.SSM;
using Constructs;
using Groundwork.Infra.Configuration;
using Groundwork.Infra.Constructs;

namespace Groundwork.Infra.Stacks;

/// <summary>
/// The data stores, only in the data subnets: RDS MySQL 8.0 primary + read replica (credentials in Secrets Manager,
/// rotated) and an ElastiCache Redis replication group (TLS, AUTH token, encryption at rest).
/// Their endpoints are published as SSM parameters for the app servers.
/// </summary>
public sealed class DataStack : Stack
{
    public DatabaseInstance Primary { get; }
    public DatabaseInstanceReadReplica Replica { get; }
    public CfnReplicationGroup Cache { get; }
    public Secret CacheAuthToken { get; }
    /// <summary>Credentials for the read-only analytics user on the replica (Metabase).</summary>
    public DatabaseSecret AnalyticsReadOnly { get; }
    public ISecret PrimaryCredentials => Primary.Secret!;
    public SecurityGroup DatabaseSecurityGroup { get; }
    public SecurityGroup ReplicaSecurityGroup { get; }
    public SecurityGroup CacheSecurityGroup { get; }
    /// <summary>The Secrets Manager rotation function of the credentials (runs in the app subnets).</summary>
    public SecurityGroup RotationSecurityGroup { get; }

    public DataStack(Construct scope, string id, EnvironmentSettings env, NetworkStack network, IStackProps props)
        : base(scope, id, props)
    {
        var dataSubnets = new SubnetSelection { SubnetGroupName = Tiers.Data };
        var app = network.SecurityGroups.App;
        DatabaseSecurityGroup = TierSecurityGroups.Create(this, "Database", network.Vpc, env, "RDS MySQL primary");
        ReplicaSecurityGroup = TierSecurityGroups.Create(this, "Replica", network.Vpc, env, "RDS MySQL read replica");
        CacheSecurityGroup = TierSecurityGroups.Create(this, "Cache", network.Vpc, env, "ElastiCache Redis");
        RotationSecurityGroup = TierSecurityGroups.Create(this, "SecretsRotation", network.Vpc, env, "database credential rotation function", allowAllOutbound: true);
        DatabaseSecurityGroup.AddIngressRule(app, Port.Tcp(TierSecurityGroups.MySqlPort), "MySQL from the app tier");
        ReplicaSecurityGroup.AddIngressRule(app, Port.Tcp(TierSecurityGroups.MySqlPort), "MySQL reads from the app tier");
        ReplicaSecurityGroup.AddIngressRule(network.SecurityGroups.Analytics, Port.Tcp(TierSecurityGroups.MySqlPort), "read-only analytics from Metabase");
        CacheSecurityGroup.AddIngressRule(app, Port.Tcp(TierSecurityGroups.RedisPort), "Redis (TLS) from the app tier");
        var removal = env.RetainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
        var engine = DatabaseInstanceEngine.Mysql(new MySqlInstanceEngineProps { Version = MysqlEngineVersion.VER_8_0 });
        var parameters = new ParameterGroup(this, "MySqlParameters", new ParameterGroupProps
        {
            Engine = engine,
            Description = $"groundwork-{env.Name} MySQL 8.0: TLS required, UTF-8",
            Parameters = new Dictionary<string, string>
            {
                ["require_secure_transport"] = "ON",
                ["character_set_server"] = "utf8mb4",
                ["collation_server"] = "utf8mb4_0900_ai_ci",
                ["slow_query_log"] = "1",
                ["long_query_time"] = "1",
            },
        });

        Primary = new DatabaseInstance(this, "Primary", new DatabaseInstanceProps
        {
            InstanceIdentifier = $"groundwork-{env.Name}-primary",
            Engine = engine,
            InstanceType = new InstanceType(env.Database.InstanceType),
            Vpc = network.Vpc,
            VpcSubnets = dataSubnets,
            SecurityGroups = [DatabaseSecurityGroup],
            Port = TierSecurityGroups.MySqlPort,
            DatabaseName = "groundwork",
            Credentials = Credentials.FromGeneratedSecret("groundwork", new CredentialsBaseOptions
            {
                SecretName = $"{env.SecretPrefix}/db/primary",
            }),
            ParameterGroup = parameters,
            MultiAz = env.Database.MultiAz,
            StorageEncrypted = true,
            StorageType = StorageType.GP3,
            AllocatedStorage = env.Database.AllocatedStorageGiB,
            MaxAllocatedStorage = env.Database.MaxAllocatedStorageGiB,
            BackupRetention = Duration.Days(env.Database.BackupRetentionDays),
            DeletionProtection = env.Database.DeletionProtection,
            RemovalPolicy = env.RetainData ? RemovalPolicy.RETAIN : RemovalPolicy.SNAPSHOT,
            PubliclyAccessible = false,
            IamAuthentication = true,
            AutoMinorVersionUpgrade = true,
            CloudwatchLogsExports = ["error", "slowquery"],
            EnablePerformanceInsights = false,
        });
        Primary.AddRotationSingleUser(new RotationSingleUserOptions
        {
            AutomaticallyAfter = Duration.Days(30),
            VpcSubnets = new SubnetSelection { SubnetGroupName = Tiers.App },
            SecurityGroup = RotationSecurityGroup,
        });

        Replica = new DatabaseInstanceReadReplica(this, "Replica", new DatabaseInstanceReadReplicaProps
        {
            InstanceIdentifier = $"groundwork-{env.Name}-replica",
            SourceDatabaseInstance = Primary,
            InstanceType = new InstanceType(env.Database.ReplicaInstanceType),
            Vpc = network.Vpc,
            VpcSubnets = dataSubnets,
            SecurityGroups = [ReplicaSecurityGroup],
            Port = TierSecurityGroups.MySqlPort,
            ParameterGroup = parameters,
            StorageEncrypted = true,
            StorageType = StorageType.GP3,
            DeletionProtection = env.Database.DeletionProtection,
            RemovalPolicy = removal,
            PubliclyAccessible = false,
            IamAuthentication = true,
            AutoMinorVersionUpgrade = true,
            CloudwatchLogsExports = ["error", "slowquery"],
        });

        AnalyticsReadOnly = new DatabaseSecret(this, "AnalyticsReadOnly", new DatabaseSecretProps
        {
            Username = "analytics_ro",
            SecretName = $"{env.SecretPrefix}/db/analytics-readonly",
        });

        var needsMultiAz = "Staging runs a single-AZ primary to halve its cost; production (same code, environments/production.json) is Multi-AZ.";
        var suppressions = new List<NagSuppression>
        {
            new("AwsSolutions-RDS11", "The default MySQL port is kept: only the app tier's security group can reach it, and clients expect 3306."),
        };
        if (!env.Database.MultiAz) suppressions.Add(new("AwsSolutions-RDS3", needsMultiAz));
        if (!env.Database.DeletionProtection)
            suppressions.Add(new("AwsSolutions-RDS10", "Staging is disposable: deletion protection would block tearing it down. Production enables it."));
        Nag.Suppress(Primary, suppressions.ToArray());
        Nag.Suppress(Replica, suppressions.Where(s => s.RuleId != "AwsSolutions-RDS3")
            .Append(new NagSuppression("AwsSolutions-RDS3",
                "The read replica only serves reads and analytics: when it fails the app falls back to the primary and RDS rebuilds it; Multi-AZ would double its cost without protecting any write."))
            .ToArray());
        Nag.Suppress(AnalyticsReadOnly, new NagSuppression("AwsSolutions-SMG4",
            "The analytics_ro user is created by the migration job from this secret; rotating it needs the multi-user rotation that the migration-owned user does not support yet (docs/infrastructure.md, TODO)."));

        // Redis: TLS in transit, encryption at rest, AUTH token from Secrets Manager, failover in production.
        CacheAuthToken = new Secret(this, "CacheAuthToken", new SecretProps
        {
            SecretName = $"{env.SecretPrefix}/cache/auth-token",
            Description = "ElastiCache Redis AUTH token (JSON: token)",
            GenerateSecretString = new SecretStringGenerator
            {
                SecretStringTemplate = "{}", GenerateStringKey = "token", ExcludePunctuation = true, PasswordLength = 64,
            },
        });
        Nag.Suppress(CacheAuthToken, new NagSuppression("AwsSolutions-SMG4",
            "ElastiCache AUTH token rotation needs a coordinated ROTATE/SET sequence with the app; done by hand (runbook) until a rotation function exists."));
        var cacheSubnets = new CfnSubnetGroup(this, "CacheSubnets", new CfnSubnetGroupProps
        {
            Description = $"groundwork-{env.Name} cache: data subnets",
            SubnetIds = network.Vpc.SelectSubnets(dataSubnets).SubnetIds,
            CacheSubnetGroupName = $"groundwork-{env.Name}-cache",
        });
        Cache = new CfnReplicationGroup(this, "Cache", new CfnReplicationGroupProps
        {
            ReplicationGroupId = $"groundwork-{env.Name}",
            ReplicationGroupDescription = $"groundwork-{env.Name} cache and backplane",
            Engine = "redis",
            EngineVersion = "7.1",
            CacheNodeType = env.Cache.NodeType,
            NumCacheClusters = env.Cache.Nodes,
            AutomaticFailoverEnabled = env.Cache.AutomaticFailover,
            MultiAzEnabled = env.Cache.AutomaticFailover,
            TransitEncryptionEnabled = true,
            TransitEncryptionMode = "required",
            AtRestEncryptionEnabled = true,
            AuthToken = CacheAuthToken.SecretValueFromJson("token").UnsafeUnwrap(),
            CacheSubnetGroupName = cacheSubnets.Ref,
            SecurityGroupIds = [CacheSecurityGroup.SecurityGroupId],
            Port = TierSecurityGroups.RedisPort,
            SnapshotRetentionLimit = env.RetainData ? 7 : 1,
            AutoMinorVersionUpgrade = true,
        });
        Cache.AddDependency(cacheSubnets);
        Cache.ApplyRemovalPolicy(removal);
        var cacheSuppressions = new List<NagSuppression>
        {
            new("AwsSolutions-AEC5", "The default Redis port is kept: only the app tier's security group can reach it."),
        };
        if (!env.Cache.AutomaticFailover)
            cacheSuppressions.Add(new("AwsSolutions-AEC4", "Staging runs without Multi-AZ failover to save cost; production enables it (environments/production.json)."));
        Nag.Suppress(Cache, cacheSuppressions.ToArray());

        Parameter("database/primary-endpoint", Primary.DbInstanceEndpointAddress, "MySQL primary endpoint (writes)");
        Parameter("database/replica-endpoint", Replica.DbInstanceEndpointAddress, "MySQL read replica endpoint (reads)");
        Parameter("database/port", Primary.DbInstanceEndpointPort, "MySQL port");
        Parameter("cache/primary-endpoint", Cache.AttrPrimaryEndPointAddress, "Redis primary endpoint (TLS)");
        Parameter("cache/port", Cache.AttrPrimaryEndPointPort, "Redis port");

        void Parameter(string name, string value, string description) =>
            new StringParameter(this, name.Replace("/", "-"), new StringParameterProps
            {
                ParameterName = $"{env.ParameterPath}/{name}", StringValue = value, Description = description,
            });
    }
}
