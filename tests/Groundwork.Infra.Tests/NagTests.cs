using System.Text.Json.Nodes;

namespace Groundwork.Infra.Tests;

/// <summary>
/// The cdk-nag 3 AwsSolutions rule pack over the synthesized templates (management and both environments): the npm
/// cdk-nag package loads each template with CfnInclude (tests/Groundwork.Infra.Tests/nag/nag.js); suppressions are the
/// cdk_nag metadata the C# code writes, acknowledged finding by finding as cdk-nag 3 requires.
/// </summary>
[Collection(SynthesizedCollection.Name)]
public sealed class NagTests(SynthesizedApp app)
{
    private JsonObject Report() => app.NagReport;

    [Fact]
    public void AwsSolutions_rule_pack_reports_no_unsuppressed_error()
    {
        var report = Report();
        Assert.Equal(app.StackNames.Count(), report["templates"]!.AsArray().Count);
        var errors = report["findings"]!.AsArray()
            .Where(f => ((string)f!["kind"]! == "non-compliant" && (string)f["level"]! == "Error") || (string)f!["kind"]! == "rule-error")
            .Select(f => $"{f!["stack"]}/{f["resource"]} {f["rule"]} {f["finding"]} {f["error"]}").ToList();
        Assert.True(errors.Count == 0, "Unsuppressed cdk-nag errors:\n" + string.Join("\n", errors));
        Assert.Equal(0, (int)report["unsuppressedErrors"]!);
        Assert.StartsWith("3.", (string)report["cdkNag"]!, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_suppression_still_matches_a_finding()
    {
        // A suppression whose finding is gone (the resource changed, or the rule no longer fires) states a reason for
        // something that is not there: it must go, or it would silently excuse a future finding.
        var unused = Report()["unusedSuppressions"]!.AsArray().Select(u => $"{u!["stack"]} {u["id"]}: {u["reason"]}").ToList();
        Assert.True(unused.Count == 0, "Suppressions that match no finding:\n" + string.Join("\n", unused));
    }

    [Fact]
    public void Every_suppression_carries_a_specific_reason()
    {
        var suppressed = Report()["findings"]!.AsArray().Where(f => ((string)f!["kind"]!).StartsWith("suppressed", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(suppressed);
        Assert.All(suppressed, f =>
        {
            var reason = (string?)f!["reason"] ?? "";
            Assert.True(reason.Length >= 40, $"{f["stack"]}/{f["resource"]} {f["rule"]}: '{reason}' is not specific");
        });
        // Wildcard IAM findings are only ever suppressed finding by finding (applies_to), never wholesale.
        Assert.All(suppressed.Where(f => (string)f!["rule"]! == "AwsSolutions-IAM5"), f => Assert.False(string.IsNullOrEmpty((string?)f!["finding"])));
    }
}
