using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Groundwork.Cost;

/// <summary>The cost of every environment of one synthesized app, rendered as text (terminal), JSON or Markdown (docs).</summary>
public sealed record CostReport(PriceTable Prices, string Size, IReadOnlyList<EnvironmentCost> Environments)
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static CostReport Create(PriceTable prices, CloudAssembly assembly, string size = "base") =>
        new(prices, size, new CostEstimator(prices).Estimate(assembly));

    public EnvironmentCost this[string environment] =>
        Environments.FirstOrDefault(e => e.Name == environment) ?? throw new CostException($"no stacks of environment '{environment}' in the synth.");

    public string ToJson()
    {
        var environments = new JsonObject();
        foreach (var environment in Environments)
        {
            environments[environment.Name] = new JsonObject
            {
                ["monthlyUsd"] = environment.MonthlyUsd,
                ["regions"] = new JsonArray(environment.Regions.Select(r => (JsonNode?)r).ToArray()),
                ["lines"] = new JsonArray(environment.Lines.Select(l => (JsonNode?)new JsonObject
                {
                    ["item"] = l.Item,
                    ["quantity"] = Math.Round(l.Quantity, 4),
                    ["unit"] = l.Unit,
                    ["unitMonthlyUsd"] = Math.Round(l.UnitMonthlyUsd, 4),
                    ["monthlyUsd"] = l.MonthlyUsd,
                    ["kind"] = l.Kind.ToString().ToLowerInvariant(),
                    ["note"] = l.Note.Length == 0 ? null : l.Note,
                }).ToArray()),
                ["unpriced"] = new JsonArray(environment.Unpriced.Select(l => (JsonNode?)$"{l.Item} ({l.Note})").ToArray()),
            };
        }
        var root = new JsonObject
        {
            ["size"] = Size,
            ["prices"] = new JsonObject
            {
                ["asOf"] = Prices.AsOf,
                ["currency"] = Prices.Currency,
                ["hoursPerMonth"] = Prices.HoursPerMonth,
                ["sources"] = new JsonArray(Prices.Sources.Select(s => (JsonNode?)s).ToArray()),
            },
            ["environments"] = environments,
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    public string ToText()
    {
        var text = new StringBuilder();
        text.AppendLine(Invariant, $"Monthly on-demand cost at size '{Size}' (prices of {Prices.AsOf}, {Prices.HoursPerMonth:0} h a month; 'assumed' lines depend on usage)");
        foreach (var environment in Environments)
        {
            text.AppendLine();
            var budget = CostBudgets.MonthlyUsd.TryGetValue(environment.Name, out var b) && Size == "base"
                ? $" (budget {Usd(b)}{(environment.MonthlyUsd > b ? ": OVER" : "")})"
                : "";
            text.AppendLine(Invariant, $"{environment.Name} ({string.Join(", ", environment.Regions)}): {Usd(environment.MonthlyUsd)}/month{budget}");
            foreach (var line in environment.Lines)
            {
                var marker = line.Kind switch { CostKind.Assumed => "  (assumed)", CostKind.Unpriced => "  (UNPRICED)", _ => "" };
                var note = line.Note.Length == 0 ? "" : $"  [{line.Note}]";
                text.AppendLine(Invariant, $"  {Usd(line.MonthlyUsd),10}  {line.Item}: {Quantity(line.Quantity)} × {line.Unit} at {Usd(line.UnitMonthlyUsd, 4)}{marker}{note}");
            }
        }
        var unpriced = Environments.SelectMany(e => e.Unpriced).ToList();
        if (unpriced.Count > 0)
        {
            text.AppendLine();
            text.AppendLine(Invariant, $"{unpriced.Count} unpriced item(s): add them to src/Groundwork.Cost/{PriceTable.FileName}.");
        }
        return text.ToString();
    }

    /// <summary>The docs' cost section: totals, then each environment's lines (largest first).</summary>
    public string ToMarkdown()
    {
        var budgets = Size == "base" ? CostBudgets.MonthlyUsd : null;
        var text = new StringBuilder();
        text.AppendLine("| Environment | Monthly (USD) | Budget | Largest items |");
        text.AppendLine("|---|---:|---:|---|");
        foreach (var environment in Environments)
        {
            var budget = budgets is not null && budgets.TryGetValue(environment.Name, out var b) ? $"≤ {Usd(b)}" : "—";
            var top = string.Join("; ", environment.Lines.Take(3).Select(l => $"{l.Item} {Usd(l.MonthlyUsd)}"));
            text.AppendLine(Invariant, $"| {environment.Name} | {Usd(environment.MonthlyUsd)} | {budget} | {top} |");
        }
        foreach (var environment in Environments)
        {
            text.AppendLine();
            text.AppendLine(Invariant, $"#### {environment.Name}: {Usd(environment.MonthlyUsd)} a month");
            text.AppendLine();
            text.AppendLine("| Line item | Quantity | Unit | Unit price a month | Monthly (USD) |");
            text.AppendLine("|---|---:|---|---:|---:|");
            foreach (var line in environment.Lines)
            {
                var item = line.Kind switch { CostKind.Assumed => $"{line.Item} *(assumed)*", CostKind.Unpriced => $"**{line.Item}** (unpriced)", _ => line.Item };
                if (line.Note.Length > 0)
                    item += $": {line.Note}";
                text.AppendLine(Invariant, $"| {item} | {Quantity(line.Quantity)} | {line.Unit} | {Usd(line.UnitMonthlyUsd, 4)} | {Usd(line.MonthlyUsd)} |");
            }
        }
        return text.ToString();
    }

    private static string Usd(double value, int maxDecimals = 2) =>
        "$" + value.ToString(maxDecimals == 2 ? "#,0.00" : "#,0.00##", Invariant);

    private static string Quantity(double value) => value.ToString("#,0.##", Invariant);
}
