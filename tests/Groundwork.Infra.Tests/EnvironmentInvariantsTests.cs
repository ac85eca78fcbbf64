namespace Groundwork.Infra.Tests;

/// <summary>Environments are data: one definition, stack names, tags and policies follow from each file.</summary>
[Collection(SynthesizedCollection.Name)]
public sealed class EnvironmentInvariantsTests(SynthesizedApp app)
{
    private static readonly string[] Concerns = ["Network", "Monitoring", "Data", "App", "Analytics", "StaticSite", "Alarms"];

    [Fact]
    public void One_synth_writes_every_stack_of_both_environments_named_after_them()
    {
        var expected = new[] { "staging", "production" }.SelectMany(e => Concerns.Select(c => $"Groundwork-{e}-{c}"))
            .Append("Groundwork-management").Order();
        Assert.Equal(expected, app.StackNames);
    }

    [Fact]
    public void Every_taggable_resource_carries_project_and_environment_tags()
    {
        foreach (var stack in app.StackNames)
        {
            var environment = stack == "Groundwork-management" ? "management" : stack.Split('-')[1];
            var tagged = app.Resources(stack).Where(r => r.Properties["Tags"] is System.Text.Json.Nodes.JsonArray).ToList();
            Assert.NotEmpty(tagged);
            Assert.All(tagged, r =>
            {
                Assert.Equal("groundwork", r.Tag("project"));
                Assert.Equal(environment, r.Tag("environment"));
            });
        }
    }

    [Fact]
    public void Stacks_have_explicit_account_and_region_and_need_no_lookups()
    {
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(app.OutDir, "manifest.json")))!;
        foreach (var stack in app.StackNames)
            Assert.Matches(@"^aws://\d{12}/[a-z]{2}-[a-z]+-\d$", (string)manifest["artifacts"]![stack]!["environment"]!);
        Assert.Null(manifest["missing"]);
    }

    [Fact]
    public void Production_and_management_stacks_are_termination_protected_staging_is_not()
    {
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(app.OutDir, "manifest.json")))!;
        foreach (var stack in app.StackNames)
        {
            var isProtected = (bool?)manifest["artifacts"]![stack]!["properties"]!["terminationProtection"] ?? false;
            Assert.Equal(!stack.StartsWith("Groundwork-staging-", StringComparison.Ordinal), isProtected);
        }
    }

    [Fact]
    public void Names_follow_the_environment()
    {
        foreach (var env in app.Environments)
        {
            Assert.Contains(app.EnvironmentResources(env.Name, "AWS::RDS::DBInstance"), d => (string?)d.Properties["DBInstanceIdentifier"] == $"groundwork-{env.Name}-primary");
            Assert.All(app.EnvironmentResources(env.Name, "AWS::SecretsManager::Secret"),
                s => Assert.StartsWith($"groundwork/{env.Name}/", (string)s.Properties["Name"]!));
            Assert.All(app.EnvironmentResources(env.Name, "AWS::SSM::Parameter"),
                p => Assert.StartsWith($"/groundwork/{env.Name}/", (string)p.Properties["Name"]!));
        }
    }

    [Fact]
    public void Production_retains_its_data_and_staging_does_not()
    {
        foreach (var env in app.Environments)
        {
            var buckets = app.EnvironmentResources(env.Name, "AWS::S3::Bucket").ToList();
            Assert.All(buckets, b => Assert.Equal(env.RetainData ? "Retain" : "Delete", (string?)b.Body["DeletionPolicy"]));
            var cache = Assert.Single(app.EnvironmentResources(env.Name, "AWS::ElastiCache::ReplicationGroup"));
            Assert.Equal(env.RetainData ? "Retain" : "Delete", (string?)cache.Body["DeletionPolicy"]);
        }
        Assert.True(app.Environments.Single(e => e.Name == "production").RetainData);
        Assert.False(app.Environments.Single(e => e.Name == "staging").RetainData);
    }
}
