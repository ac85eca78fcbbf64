using System.Text.Json;

namespace Groundwork.Infra.Tests;

/// <summary>
/// The logical ids of every stateful resource, per stack, pinned in stateful-logical-ids.json. CloudFormation replaces a
/// resource whose logical id changes: a new database, bucket, user pool, data volume or secret, the old one deleted or
/// orphaned. A refactor of the CDK code (moving a resource under a component, renaming a construct) must leave them
/// all in place; a deliberate addition or replacement updates the file in the same commit, saying why.
/// </summary>
[Collection(SynthesizedCollection.Name)]
public sealed class StatefulLogicalIdsTests(SynthesizedApp app)
{
    /// <summary>What holds data or identity that a replacement loses: databases and their groups, secrets, keys,
    /// buckets, users, the cache, volumes, logs, backups, the agent key pair, the VPC everything sits in.</summary>
    public static readonly string[] StatefulTypes =
    [
        "AWS::RDS::DBInstance", "AWS::RDS::DBSubnetGroup", "AWS::RDS::DBParameterGroup", "AWS::SecretsManager::Secret",
        "AWS::KMS::Key", "AWS::S3::Bucket", "AWS::Cognito::UserPool", "AWS::Cognito::UserPoolDomain",
        "AWS::ElastiCache::ReplicationGroup", "AWS::ElastiCache::SubnetGroup", "AWS::EC2::Volume", "AWS::Logs::LogGroup",
        "AWS::Backup::BackupVault", "AWS::EC2::KeyPair", "AWS::EC2::VPC",
    ];

    private static Dictionary<string, List<string>> Pinned() =>
        JsonSerializer.Deserialize<Dictionary<string, List<string>>>(
            File.ReadAllText(Path.Combine(RepositoryPaths.Root, "tests", "Groundwork.Infra.Tests", "stateful-logical-ids.json")))!;

    [Fact]
    public void Every_stateful_resource_keeps_its_logical_id()
    {
        var pinned = Pinned();
        var problems = new List<string>();
        foreach (var stack in app.StackNames)
        {
            var actual = app.Resources(stack).Where(r => StatefulTypes.Contains(r.Type)).Select(r => $"{r.Type} {r.LogicalId}").ToHashSet();
            var expected = pinned.GetValueOrDefault(stack, []).ToHashSet();
            problems.AddRange(expected.Except(actual).Select(r => $"{stack}: {r} is gone (replaced or deleted on the next deploy)"));
            problems.AddRange(actual.Except(expected).Select(r => $"{stack}: {r} is new (pin it if it is meant to be)"));
        }
        problems.AddRange(pinned.Keys.Except(app.StackNames).Select(s => $"{s}: the whole stack is gone"));
        Assert.True(problems.Count == 0, "Stateful logical ids changed (stateful-logical-ids.json):\n" + string.Join("\n", problems));
    }

    [Fact]
    public void The_pins_cover_every_environment_and_the_data_that_matters()
    {
        var pinned = Pinned();
        foreach (var environment in app.Environments.Select(e => e.Name))
        {
            var data = pinned[$"Groundwork-{environment}-Data"];
            Assert.Contains(data, r => r.StartsWith("AWS::RDS::DBInstance Primary", StringComparison.Ordinal));
            Assert.Contains(data, r => r.StartsWith("AWS::RDS::DBInstance Replica", StringComparison.Ordinal));
            Assert.Contains("AWS::ElastiCache::ReplicationGroup Cache", data);
            Assert.Contains(pinned[$"Groundwork-{environment}-App"], r => r.StartsWith("AWS::Cognito::UserPool ", StringComparison.Ordinal));
        }
        Assert.Equal(2, pinned["Groundwork-management"].Count(r => r.StartsWith("AWS::EC2::Volume ", StringComparison.Ordinal)));
    }
}
