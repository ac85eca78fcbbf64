using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.RDS;
using Constructs;
using Groundwork.Infra.BuildingBlocks;
using InstanceType = Amazon.CDK.AWS.EC2.InstanceType;

namespace Groundwork.Infra.Components;

/// <summary>Who may connect to a database instance: a security group and why.</summary>
public sealed record DatabaseClient(ISecurityGroup Group, string Why);

/// <param name="Name">Prefix of the instance identifiers (<c>&lt;name&gt;-primary</c>, <c>&lt;name&gt;-replica</c>).</param>
/// <param name="PrimaryClients">The only groups admitted to the primary.</param>
/// <param name="ReplicaClients">The only groups admitted to the replica.</param>
public sealed record DatabaseProps(string Name, IVpc Vpc, IReadOnlyList<DatabaseClient> PrimaryClients, IReadOnlyList<DatabaseClient> ReplicaClients)
{
    public string InstanceType { get; init; } = "t4g.medium";
    public string ReplicaInstanceType { get; init; } = "t4g.medium";
    public string SubnetGroup { get; init; } = Tiers.Data;
    public string DatabaseName { get; init; } = "groundwork";
    public bool MultiAz { get; init; } = true;
    public int AllocatedStorageGiB { get; init; } = 20;
    public int MaxAllocatedStorageGiB { get; init; } = 100;
    public int BackupRetentionDays { get; init; } = 7;
    public bool DeletionProtection { get; init; } = true;
    /// <summary>Retained on stack deletion (the replica too); a disposable environment gets a final snapshot of the primary.</summary>
    public bool RetainData { get; init; } = true;
}

/// <summary>
/// The primary and read replica (architecture #8): RDS for MariaDB at the exact version the local stack runs, in the
/// data subnets, encrypted, TLS required, backups, CloudWatch error and slow logs, each with its own security group that
/// admits only the named clients. The master password is managed and rotated by RDS itself (no Lambda).
/// </summary>
public sealed class DatabaseServers : Component
{
    /// <summary>The exact RDS engine version: the same major.minor as the local mariadbd (Debian 12: 10.11). RDS takes
    /// exact patch versions only (cfn-lint rejects a bare "10.11").</summary>
    public const string MariaDbVersion = "10.11.16";
    public const string MariaDbMajorVersion = "10.11";
    public const string MasterUser = "groundwork";
    public const int Port = 3306;

    public DatabaseInstance Primary { get; }
    public DatabaseInstanceReadReplica Replica { get; }
    /// <summary>The ARN of the RDS-managed master secret (created by RDS, not by this stack).</summary>
    public string MasterSecretArn { get; }
    public SecurityGroup PrimarySecurityGroup { get; }
    public SecurityGroup ReplicaSecurityGroup { get; }

    public DatabaseServers(Construct scope, string id, DatabaseProps props) : base(scope, id)
    {
        PrimarySecurityGroup = Group("Database", "RDS MariaDB primary", props, props.PrimaryClients);
        ReplicaSecurityGroup = Group("Replica", "RDS MariaDB read replica", props, props.ReplicaClients);
        var parameters = Parameters(this, "MariaDbParameters", props.Name);
        var dataSubnets = new SubnetSelection { SubnetGroupName = props.SubnetGroup };
        Primary = new DatabaseInstance(this, "Primary", new DatabaseInstanceProps
        {
            InstanceIdentifier = $"{props.Name}-primary",
            Engine = Engine(),
            InstanceType = new InstanceType(props.InstanceType),
            Vpc = props.Vpc,
            VpcSubnets = dataSubnets,
            SecurityGroups = [PrimarySecurityGroup],
            Port = Port,
            DatabaseName = props.DatabaseName,
            Credentials = Credentials.FromGeneratedSecret(MasterUser),
            ParameterGroup = parameters,
            MultiAz = props.MultiAz,
            StorageEncrypted = true,
            StorageType = StorageType.GP3,
            AllocatedStorage = props.AllocatedStorageGiB,
            MaxAllocatedStorage = props.MaxAllocatedStorageGiB,
            BackupRetention = Duration.Days(props.BackupRetentionDays),
            DeletionProtection = props.DeletionProtection,
            RemovalPolicy = props.RetainData ? RemovalPolicy.RETAIN : RemovalPolicy.SNAPSHOT,
            PubliclyAccessible = false,
            AutoMinorVersionUpgrade = true,
            CloudwatchLogsExports = ["error", "slowquery"],
            EnablePerformanceInsights = false,
        });
        MasterSecretArn = ManageMasterPassword(Primary);
        Replica = new DatabaseInstanceReadReplica(this, "Replica", new DatabaseInstanceReadReplicaProps
        {
            InstanceIdentifier = $"{props.Name}-replica",
            SourceDatabaseInstance = Primary,
            InstanceType = new InstanceType(props.ReplicaInstanceType),
            Vpc = props.Vpc,
            VpcSubnets = dataSubnets,
            SecurityGroups = [ReplicaSecurityGroup],
            Port = Port,
            ParameterGroup = parameters,
            DeletionProtection = props.DeletionProtection,
            RemovalPolicy = props.RetainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
            PubliclyAccessible = false,
            AutoMinorVersionUpgrade = true,
            CloudwatchLogsExports = ["error", "slowquery"],
        });
        SuppressNag(props);
    }

    private SecurityGroup Group(string name, string description, DatabaseProps props, IReadOnlyList<DatabaseClient> clients)
    {
        var group = new SecurityGroup(this, $"{name}SecurityGroup", new SecurityGroupProps
        {
            Vpc = props.Vpc, Description = $"{props.Name}: {description}", AllowAllOutbound = false,
            SecurityGroupName = $"{props.Name}-{name.ToLowerInvariant()}",
        });
        foreach (var client in clients) group.AddIngressRule(client.Group, Amazon.CDK.AWS.EC2.Port.Tcp(Port), client.Why);
        return group;
    }

    private void SuppressNag(DatabaseProps props)
    {
        var suppressions = new List<NagSuppression>
        {
            new("AwsSolutions-RDS11", "The default MariaDB port is kept: only the app tier's and Jenkins' security groups can reach it, and clients expect 3306."),
        };
        if (!props.MultiAz)
            suppressions.Add(new("AwsSolutions-RDS3", "Staging runs a single-AZ primary to halve its cost; production (same code, environments/production.json) is Multi-AZ."));
        if (!props.DeletionProtection)
            suppressions.Add(new("AwsSolutions-RDS10", "Staging is disposable: deletion protection would block tearing it down. Production enables it."));
        Nag.Suppress(Primary, suppressions.ToArray());
        Nag.Suppress(Replica, suppressions.Where(s => s.RuleId != "AwsSolutions-RDS3")
            .Append(new NagSuppression("AwsSolutions-RDS3",
                "The read replica only serves reads and analytics: when it fails the app falls back to the primary and RDS rebuilds it; Multi-AZ would double its cost without protecting any write."))
            .Append(new NagSuppression("AwsSolutions-RDS2",
                "A read replica is encrypted exactly when its source is, with the source's key: the primary has StorageEncrypted true. CloudFormation rejects StorageEncrypted next to SourceDBInstanceIdentifier (cfn-lint E3020), which Amazon.CDK.Lib 2.160 would emit if it were set here."))
            .ToArray());
    }

    /// <summary>RDS for MariaDB at the exact version; the same engine the local stack and every test run.</summary>
    public static IInstanceEngine Engine() =>
        DatabaseInstanceEngine.MariaDb(new MariaDbInstanceEngineProps
        {
            Version = MariaDbEngineVersion.Of(MariaDbVersion, MariaDbMajorVersion),
        });

    /// <summary>
    /// The mariadb10.11 parameters, matching the local servers' option files (src/Groundwork.LocalServers): TLS
    /// required, utf8mb4 with the same collation, row-based binlog, slow log. GTIDs need no setting: MariaDB tags every
    /// binlog event with one, and RDS read replicas replicate by GTID, so @@gtid_binlog_pos / MASTER_GTID_WAIT behave as
    /// they do locally.
    /// </summary>
    public static ParameterGroup Parameters(Construct scope, string id, string name) =>
        new(scope, id, new ParameterGroupProps
        {
            Engine = Engine(),
            Description = $"{name} MariaDB {MariaDbMajorVersion}: TLS required, utf8mb4, row binlog, slow log",
            Parameters = new Dictionary<string, string>
            {
                ["require_secure_transport"] = "ON",
                ["character_set_server"] = "utf8mb4",
                ["collation_server"] = "utf8mb4_unicode_ci",
                ["binlog_format"] = "ROW",
                ["slow_query_log"] = "1",
                ["long_query_time"] = "1",
            },
        });

    /// <summary>
    /// The master password managed by RDS in Secrets Manager (RDS creates and rotates it; no Lambda). Amazon.CDK.Lib
    /// 2.160's DatabaseInstance has no option for it, so the generated secret it would create is removed from the tree
    /// and the CloudFormation properties are overridden: ManageMasterUserPassword instead of MasterUserPassword.
    /// Returns the ARN of the secret RDS creates.
    /// </summary>
    public static string ManageMasterPassword(DatabaseInstance instance)
    {
        var cfn = (CfnDBInstance)instance.Node.DefaultChild!;
        instance.Node.TryRemoveChild("Secret");
        cfn.AddPropertyDeletionOverride("MasterUserPassword");
        cfn.AddPropertyOverride("MasterUsername", MasterUser);
        cfn.AddPropertyOverride("ManageMasterUserPassword", true);
        return cfn.AttrMasterUserSecretSecretArn;
    }
}
