namespace Groundwork.Infra.Tests;

/// <summary>
/// cfn-lint over every synthesized template: 0 errors (an error is a template CloudFormation would reject or a
/// resource that would not create, e.g. a retired Lambda runtime or an engine version RDS does not offer). Warnings
/// are listed in the generated section of docs/infrastructure.md.
/// </summary>
[Collection(SynthesizedCollection.Name)]
public sealed class CfnLintTests(SynthesizedApp app)
{
    [Fact]
    public void Cfn_lint_reports_no_error_in_any_template()
    {
        var report = app.CfnLint;
        var errors = report.Errors.Select(e => $"{e.Stack} {e.Rule} {e.Path}: {e.Message}").ToList();
        Assert.True(errors.Count == 0, $"cfn-lint {report.Version} errors:\n" + string.Join("\n", errors));
    }

    [Fact]
    public void No_lambda_runtime_has_less_than_a_year_of_support_left()
    {
        // E2531/E2533 (cfn-lint: deprecated, creation or update blocked), W2531 (deprecated) and E9531 (Groundwork's
        // rule in cfnlint_rules/: deprecated within 365 days, by cfn-lint's own lifecycle data).
        var runtimes = app.CfnLint.Findings.Where(f => f.Rule is "E2531" or "E2533" or "W2531" or "E9531").Select(f => $"{f.Stack} {f.Path}: {f.Message}").ToList();
        Assert.True(runtimes.Count == 0, string.Join("\n", runtimes));
        // Functions the linter cannot see into: serverless applications (SAR apps, whose runtime is the publisher's) and
        // custom resources (CDK adds them on its own for log retention, S3 auto-delete, restricting the default security
        // group, BucketDeployment, AwsCustomResource, on runtimes pinned by Amazon.CDK.Lib 2.160).
        var hidden = app.StackNames.SelectMany(s => app.Resources(s)
                .Where(r => r.Type is "AWS::Serverless::Application" or "AWS::CloudFormation::CustomResource" || r.Type.StartsWith("Custom::", StringComparison.Ordinal))
                .Select(r => $"{s}/{r.LogicalId} ({r.Type})"))
            .ToList();
        Assert.True(hidden.Count == 0, "Serverless applications or custom resources in the templates:\n" + string.Join("\n", hidden));
    }

    [Fact]
    public void Groundworks_own_runtime_rule_fires_on_a_runtime_that_retires_within_a_year()
    {
        // The rule must be able to fail: a function on nodejs22.x (deprecated 2027-04-30) and one on python3.14.
        var dir = Directory.CreateTempSubdirectory("groundwork-cfnlint-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "t.template.json"), """
                {"Resources":{
                  "Old":{"Type":"AWS::Lambda::Function","Properties":{"Runtime":"nodejs22.x","Handler":"index.handler","Role":"arn:aws:iam::111111111111:role/r","Code":{"ZipFile":"exports.handler=async()=>{}"}}},
                  "New":{"Type":"AWS::Lambda::Function","Properties":{"Runtime":"python3.14","Handler":"index.handler","Role":"arn:aws:iam::111111111111:role/r","Code":{"ZipFile":"def handler(e, c): pass"}}}}}
                """);
            var report = CfnLintReport.Run(dir, ["t.template.json"]);
            var fired = report.Findings.Where(f => f.Rule == "E9531").ToList();
            Assert.Contains("Resources/Old/Properties/Runtime", fired.Select(f => f.Path));
            // python3.14 is deprecated on 2029-06-30: it passes until a year before that.
            Assert.Equal(DateTime.Today > new DateTime(2028, 6, 30), fired.Any(f => f.Path == "Resources/New/Properties/Runtime"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
