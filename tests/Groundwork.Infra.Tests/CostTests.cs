using Groundwork.Cost;

namespace Groundwork.Infra.Tests;

/// <summary>The synthesized app priced by the cost report: every resource type known, every environment within its budget.</summary>
[Collection(SynthesizedCollection.Name)]
public sealed class CostTests(SynthesizedApp app)
{
    private CostReport Report() => CostReport.Create(PriceTable.Load(), CloudAssembly.Read(app.OutDir));

    [Fact]
    public void Every_resource_type_of_the_synthesized_app_is_priced_free_or_usage_only()
    {
        // A new priced resource type (an interface endpoint, a WAF, OpenSearch…) must get a price before it merges.
        var unpriced = Report().Environments.SelectMany(e => e.Unpriced.Select(l => $"{e.Name}: {l.Item} ({l.Note})")).ToList();
        Assert.True(unpriced.Count == 0, "Not in src/Groundwork.Cost/aws-prices.json:\n" + string.Join("\n", unpriced));
    }

    [Fact]
    public void Staging_production_and_management_stay_within_their_budgets()
    {
        var report = Report();
        Assert.Equal(["staging", "production", "management"], report.Environments.Select(e => e.Name));
        Assert.All(report.Environments, e => Assert.True(e.MonthlyUsd <= CostBudgets.MonthlyUsd[e.Name],
            $"{e.Name}: ${e.MonthlyUsd:F2} a month, budget ${CostBudgets.MonthlyUsd[e.Name]:F0}; largest: {string.Join(", ", e.Lines.Take(3).Select(l => $"{l.Item} ${l.MonthlyUsd:F2}"))}"));
    }
}
