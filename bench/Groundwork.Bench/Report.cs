using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Groundwork.Bench;

/// <summary>Writes a run as JSON (every sample) and as the Markdown table that docs/performance.md carries.</summary>
public static class Report
{
    public const string DocsStart = "<!-- bench:results:start (written by bench/run.sh; do not edit by hand) -->";
    public const string DocsEnd = "<!-- bench:results:end -->";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static (string JsonPath, string MarkdownPath) Write(RunResult run, string directory)
    {
        Directory.CreateDirectory(directory);
        var name = run.Label is null ? $"{run.Date}-{run.Commit}" : $"{run.Date}-{run.Commit}-{run.Label}";
        var jsonPath = Path.Combine(directory, name + ".json");
        var mdPath = Path.Combine(directory, name + ".md");
        File.WriteAllText(jsonPath, JsonSerializer.Serialize(run, Json) + "\n");
        File.WriteAllText(mdPath, Markdown(run, Path.GetFileName(jsonPath)));
        return (jsonPath, mdPath);
    }

    public static string Markdown(RunResult run, string jsonFile)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"Run of {run.Date}, commit `{run.Commit}` ({run.Configuration}); raw samples in `bench/results/{jsonFile}`.");
        if (run.ApiSettings.Count > 0)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"Variant `{run.Label}`: every Api instance ran with {string.Join(", ", run.ApiSettings.Select(kv => $"`{kv.Key}={kv.Value}`"))}.");
        }
        md.AppendLine(CultureInfo.InvariantCulture, $"{run.Machine}. {run.Options.Repetitions} repetitions of {run.Options.DurationSeconds:0} s per side, {run.Options.Connections} connections, wrk with {run.Options.WrkThreads} thread; median with the range (min–max) of the repetitions; each ratio is taken within one repetition.");
        md.AppendLine();
        md.Append(IssueGoals.Markdown(run));
        md.AppendLine();
        md.AppendLine("All figures:");
        md.AppendLine();
        md.AppendLine("| # | Scenario | Figure | Subject | Baseline | Ratio | Goal | Met |");
        md.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var s in run.Scenarios)
        {
            foreach (var m in s.Metrics)
            {
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {s.Id} | {s.Title} | {m.Name} ({m.Unit}) | {Format(m.Subject)} | {(m.Baseline is null ? "—" : Format(m.Baseline))} | {(m.Ratio is null ? "—" : Format(m.Ratio, "×"))} | {m.Goal?.Text ?? "—"} | {(m.Met switch { true => "yes", false => "**no**", null => "—" })} |");
            }
        }
        md.AppendLine();
        md.AppendLine("Subjects and baselines:");
        md.AppendLine();
        foreach (var s in run.Scenarios)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {s.Id}. **{s.Title}**: {s.Subject}{(s.Baseline is null ? "" : $" vs. {s.Baseline}")}.");
            foreach (var note in s.Notes)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"  {note}");
            }
        }
        if (run.Notes.Count > 0)
        {
            md.AppendLine();
            foreach (var note in run.Notes)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- {note}");
            }
        }
        return md.ToString();
    }

    /// <summary>Replaces the generated section of docs/performance.md (between the markers), leaving the prose.</summary>
    public static void UpdateDocs(string docsPath, string markdown)
    {
        var text = File.Exists(docsPath) ? File.ReadAllText(docsPath) : $"# Performance\n\n{DocsStart}\n{DocsEnd}\n";
        var start = text.IndexOf(DocsStart, StringComparison.Ordinal);
        var end = text.IndexOf(DocsEnd, StringComparison.Ordinal);
        if (start < 0 || end < start)
        {
            text = text.TrimEnd() + $"\n\n## Latest results\n\n{DocsStart}\n{DocsEnd}\n";
            start = text.IndexOf(DocsStart, StringComparison.Ordinal);
            end = text.IndexOf(DocsEnd, StringComparison.Ordinal);
        }
        var updated = text[..(start + DocsStart.Length)] + "\n" + markdown.TrimEnd() + "\n" + text[end..];
        File.WriteAllText(docsPath, updated);
    }

    private static string Format(Spread s, string suffix = "")
    {
        if (s.N == 0)
        {
            return "n/a";
        }
        var median = Number(s.Median) + suffix;
        return s.N == 1 || Number(s.Min) == Number(s.Max) ? median : $"{median} ({Number(s.Min)}–{Number(s.Max)})";
    }

    private static string Number(double v) => Math.Abs(v) switch
    {
        >= 1000 => v.ToString("N0", CultureInfo.InvariantCulture),
        >= 100 => v.ToString("0", CultureInfo.InvariantCulture),
        >= 10 => v.ToString("0.0", CultureInfo.InvariantCulture),
        _ => v.ToString("0.00", CultureInfo.InvariantCulture),
    };
}
