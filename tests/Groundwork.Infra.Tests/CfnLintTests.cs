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
    public void No_lambda_runtime_is_deprecated_or_within_a_year_of_it()
    {
        // E2531/E2533: runtime deprecated (creation or update disabled); W2531: deprecation announced. Either way the
        // function would stop deploying within a year.
        var runtimes = app.CfnLint.Findings.Where(f => f.Rule is "E2531" or "E2533" or "W2531").Select(f => $"{f.Stack} {f.Path}: {f.Message}").ToList();
        Assert.True(runtimes.Count == 0, string.Join("\n", runtimes));
        var functions = app.StackNames.SelectMany(s => app.Resources(s).Where(r => r.Type is "AWS::Lambda::Function" or "AWS::Serverless::Function" or "AWS::Serverless::Application")
            .Select(r => $"{s}/{r.LogicalId}")).ToList();
        Assert.True(functions.Count == 0, "Lambda functions in the templates (each needs a runtime with a year of support left, or none):\n" + string.Join("\n", functions));
    }
}
