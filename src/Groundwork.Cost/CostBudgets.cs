namespace Groundwork.Cost;

/// <summary>
/// What each environment may cost a month at its base size (issue 16; docs/decisions.md, Cost): the report shows them,
/// tests fail when the synthesized app exceeds one.
/// </summary>
public static class CostBudgets
{
    public static readonly IReadOnlyDictionary<string, double> MonthlyUsd = new Dictionary<string, double>
    {
        ["staging"] = 150,
        ["production"] = 500,
        ["management"] = 200,
    };
}
