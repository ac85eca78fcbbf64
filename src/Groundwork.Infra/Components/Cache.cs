using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ElastiCache;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;
using Groundwork.Infra.BuildingBlocks;

namespace Groundwork.Infra.Components;

/// <param name="Name">The replication group's id and the prefix of its subnet and security group names.</param>
/// <param name="Clients">The only security groups admitted (with why).</param>
/// <param name="AuthTokenSecretName">Where the generated AUTH token is stored (JSON: token).</param>
public sealed record CacheProps(string Name, IVpc Vpc, IReadOnlyList<DatabaseClient> Clients, string AuthTokenSecretName)
{
    public string NodeType { get; init; } = "cache.t4g.small";
    public int Nodes { get; init; } = 2;
    /// <summary>Multi-AZ with automatic failover (needs 2 nodes or more).</summary>
    public bool AutomaticFailover { get; init; } = true;
    public string SubnetGroup { get; init; } = Tiers.Data;
    public string EngineVersion { get; init; } = "7.1";
    /// <summary>Retained on stack deletion with 7 daily snapshots; a disposable environment keeps one.</summary>
    public bool RetainData { get; init; } = true;
}

/// <summary>
/// The Redis cache (architecture #7): an ElastiCache replication group in the data subnets, TLS required in transit,
/// encrypted at rest, an AUTH token generated into Secrets Manager, failover across AZs, reachable only by its clients.
/// </summary>
public sealed class Cache : Component
{
    public const int Port = 6379;
    public CfnReplicationGroup ReplicationGroup { get; }
    public Secret AuthToken { get; }
    public SecurityGroup SecurityGroup { get; }

    public Cache(Construct scope, string id, CacheProps props) : base(scope, id)
    {
        SecurityGroup = new SecurityGroup(this, "CacheSecurityGroup", new SecurityGroupProps
        {
            Vpc = props.Vpc, Description = $"{props.Name}: ElastiCache Redis", AllowAllOutbound = false, SecurityGroupName = $"{props.Name}-cache",
        });
        foreach (var client in props.Clients) SecurityGroup.AddIngressRule(client.Group, Amazon.CDK.AWS.EC2.Port.Tcp(Port), client.Why);
        AuthToken = new Secret(this, "CacheAuthToken", new SecretProps
        {
            SecretName = props.AuthTokenSecretName,
            Description = "ElastiCache Redis AUTH token (JSON: token)",
            GenerateSecretString = new SecretStringGenerator
            {
                SecretStringTemplate = "{}", GenerateStringKey = "token", ExcludePunctuation = true, PasswordLength = 64,
            },
        });
        Nag.Suppress(AuthToken, new NagSuppression("AwsSolutions-SMG4",
            "ElastiCache AUTH token rotation needs a coordinated ROTATE/SET sequence with the app; done by hand (runbook) until a rotation function exists."));
        var subnets = new CfnSubnetGroup(this, "CacheSubnets", new CfnSubnetGroupProps
        {
            Description = $"{props.Name} cache: data subnets",
            SubnetIds = props.Vpc.SelectSubnets(new SubnetSelection { SubnetGroupName = props.SubnetGroup }).SubnetIds,
            CacheSubnetGroupName = $"{props.Name}-cache",
        });
        ReplicationGroup = new CfnReplicationGroup(this, "Cache", new CfnReplicationGroupProps
        {
            ReplicationGroupId = props.Name,
            ReplicationGroupDescription = $"{props.Name} cache and backplane",
            Engine = "redis",
            EngineVersion = props.EngineVersion,
            CacheNodeType = props.NodeType,
            NumCacheClusters = props.Nodes,
            AutomaticFailoverEnabled = props.AutomaticFailover,
            MultiAzEnabled = props.AutomaticFailover,
            TransitEncryptionEnabled = true,
            TransitEncryptionMode = "required",
            AtRestEncryptionEnabled = true,
            AuthToken = AuthToken.SecretValueFromJson("token").UnsafeUnwrap(),
            CacheSubnetGroupName = subnets.Ref,
            SecurityGroupIds = [SecurityGroup.SecurityGroupId],
            Port = Port,
            SnapshotRetentionLimit = props.RetainData ? 7 : 1,
            AutoMinorVersionUpgrade = true,
        });
        ReplicationGroup.ApplyRemovalPolicy(props.RetainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY);
        var suppressions = new List<NagSuppression> { new("AwsSolutions-AEC5", "The default Redis port is kept: only the app tier's security group can reach it.") };
        if (!props.AutomaticFailover)
            suppressions.Add(new("AwsSolutions-AEC4", "Staging runs without Multi-AZ failover to save cost; production enables it (environments/production.json)."));
        Nag.Suppress(ReplicationGroup, suppressions.ToArray());
    }
}
