namespace Groundwork.Infra.Tests;

[Collection(SynthesizedCollection.Name)]
public sealed class DataInvariantsTests(SynthesizedApp app)
{
    public static TheoryData<string> Environments => new() { "staging", "production" };

    private Resource Db(string env, string identifier) =>
        app.EnvironmentResources(env, "AWS::RDS::DBInstance").Single(d => (string?)d.Properties["DBInstanceIdentifier"] == $"groundwork-{env}-{identifier}");

    [Theory, MemberData(nameof(Environments))]
    public void Rds_read_replica_exists_and_sources_the_primary(string env)
    {
        var primary = Db(env, "primary");
        var replica = Db(env, "replica");
        Assert.Equal("mysql", (string?)primary.Properties["Engine"]);
        Assert.StartsWith("8.0", (string)primary.Properties["EngineVersion"]!);
        Assert.Null(primary.Properties["SourceDBInstanceIdentifier"]);
        var source = TemplateQueries.Text(replica.Properties["SourceDBInstanceIdentifier"]);
        Assert.Contains($"{{Ref:\"{primary.LogicalId}\"}}", source);
        Assert.Contains(":rds:", source);
    }

    [Theory, MemberData(nameof(Environments))]
    public void Rds_is_multi_az_protected_and_retained_in_production_only(string env)
    {
        var production = env == "production";
        var primary = Db(env, "primary");
        Assert.Equal(production, (bool?)primary.Properties["MultiAZ"] ?? false);
        Assert.Equal(production, (bool?)primary.Properties["DeletionProtection"] ?? false);
        Assert.Equal(production ? "Retain" : "Snapshot", (string?)primary.Body["DeletionPolicy"]);
        Assert.True((int)primary.Properties["BackupRetentionPeriod"]! >= 3);
        var secret = app.EnvironmentResources(env, "AWS::SecretsManager::Secret").Single(s => (string?)s.Properties["Name"] == $"groundwork/{env}/db/primary");
        var rotation = Assert.Single(app.Resources(primary.Stack, "AWS::SecretsManager::RotationSchedule"), r =>
        {
            var target = app.Target(r.Stack, r.Properties["SecretId"]);
            if (target?.Type == "AWS::SecretsManager::SecretTargetAttachment") target = app.Target(target.Stack, target.Properties["SecretId"]);
            return target?.LogicalId == secret.LogicalId;
        });
        Assert.NotNull(rotation.Properties["RotationRules"]);
    }

    [Theory, MemberData(nameof(Environments))]
    public void Rds_is_encrypted_at_rest_and_requires_tls(string env)
    {
        var instances = app.EnvironmentResources(env, "AWS::RDS::DBInstance").ToList();
        Assert.Equal(3, instances.Count); // primary, replica, Metabase's own
        Assert.All(instances, d => Assert.True((bool?)d.Properties["StorageEncrypted"]));
        foreach (var db in new[] { Db(env, "primary"), Db(env, "replica") })
        {
            var parameters = app.Target(db.Stack, db.Properties["DBParameterGroupName"]);
            Assert.NotNull(parameters);
            Assert.Equal("ON", (string?)parameters.Properties["Parameters"]!["require_secure_transport"]);
        }
    }

    [Theory, MemberData(nameof(Environments))]
    public void Redis_has_tls_auth_token_from_secrets_manager_and_encryption_at_rest(string env)
    {
        var cache = Assert.Single(app.Resources($"Groundwork-{env}-Data", "AWS::ElastiCache::ReplicationGroup"));
        Assert.True((bool?)cache.Properties["TransitEncryptionEnabled"]);
        Assert.True((bool?)cache.Properties["AtRestEncryptionEnabled"]);
        var token = TemplateQueries.Text(cache.Properties["AuthToken"]);
        Assert.StartsWith("{{resolve:secretsmanager:", token);
        Assert.EndsWith(":SecretString:token::}}", token);
        Assert.Equal(env == "production", (bool?)cache.Properties["AutomaticFailoverEnabled"] ?? false);
        Assert.True((int)cache.Properties["NumCacheClusters"]! >= 2);
    }

    [Theory, MemberData(nameof(Environments))]
    public void Data_store_endpoints_are_published_for_the_app_servers(string env)
    {
        var names = app.EnvironmentResources(env, "AWS::SSM::Parameter").Select(p => (string)p.Properties["Name"]!).ToHashSet();
        foreach (var name in new[] { "database/primary-endpoint", "database/replica-endpoint", "database/port", "cache/primary-endpoint", "cache/port" })
            Assert.Contains($"/groundwork/{env}/{name}", names);
    }
}
