using System.Globalization;
using System.Text;
using Groundwork.Testing;
using Groundwork.Workspace;

namespace Groundwork.Faults.Tests.Infrastructure;

/// <summary>
/// The table in docs/reliability.md: each scenario records its row (ReliabilityResults) when it ends, kept or not, and
/// each stack fixture renders the document from all rows when its collection is done — into artifacts/reliability/ on
/// every run, and over the tracked docs/reliability.md only when asked (<c>GROUNDWORK_UPDATE_DOCS=1</c>), so a test run
/// never changes a tracked file.
/// </summary>
public static class ReliabilityReport
{
    private static readonly Lock Gate = new();

    public static string RepoRoot => RepositoryRoot.Current;

    /// <summary>Called by each stack fixture when its collection is done (collections may finish together).</summary>
    public static void WriteDocument()
    {
        lock (Gate)
        {
            var document = Render(ReliabilityResults.Rows(), ReliabilityResults.Notes());
            Directory.CreateDirectory(ReliabilityResults.Directory);
            File.WriteAllText(Path.Combine(ReliabilityResults.Directory, "reliability.md"), document);
            if (Environment.GetEnvironmentVariable("GROUNDWORK_UPDATE_DOCS") == "1")
            {
                File.WriteAllText(Path.Combine(RepoRoot, "docs", "reliability.md"), document);
            }
        }
    }

    private static string Render(IReadOnlyDictionary<int, ReliabilityScenarioResult> rows, IReadOnlyDictionary<int, string> extraNotes)
    {
        var text = new StringBuilder();
        text.AppendLine("# Reliability: faults, bad input and attacks");
        text.AppendLine();
        text.AppendLine("Generated from the last run of `tests/Groundwork.Faults.Tests` by `./groundwork docs` — do not edit by hand. Every scenario runs");
        text.AppendLine("against the real local stack (AppHost: MariaDB primary + replica with GTID replication, Redis, two Api");
        text.AppendLine("instances, the edge) with a steady request stream through the edge (redirects, creates, stats, click series),");
        text.AppendLine("injects its fault, restores it, and then checks the data: every link a `201` promised is there, no failed");
        text.AppendLine("creation was written anyway, and every click the stream caused (each `302`) is in the database. Row 9 is");
        text.AppendLine("measured by `tests/Groundwork.Deploy.Tests` (which runs first in `./groundwork test`), row 10 by `bench/run.sh --soak`.");
        text.AppendLine("Row 11 is what AWS does to a running system: the database password rotates (`rotate-credentials`, issue 13).");
        text.AppendLine();
        text.AppendLine("| # | Promise | Injected | Requests | Failed | Data lost | Kept | Measured (UTC) |");
        text.AppendLine("|---|---|---|---:|---|---|---|---|");
        // Rows past 10 (11: credential rotation, 12: primary failover) follow when recorded.
        var lastRow = Math.Max(12, rows.Count == 0 ? 0 : rows.Keys.Max());
        for (var number = 1; number <= lastRow; number++)
        {
            if (rows.TryGetValue(number, out var r))
            {
                var failed = r.Failed == 0 ? "0" : $"{r.Failed.ToString(CultureInfo.InvariantCulture)}: {r.FailedDetail}";
                text.AppendLine($"| {number} | {Cell(r.Promise)} | {Cell(r.Injected)} | {r.Requests.ToString(CultureInfo.InvariantCulture)} | {Cell(failed)} | {Cell(r.DataLost)} | {(r.Kept ? "yes" : "**no**")} | {r.MeasuredAt.UtcDateTime:yyyy-MM-dd HH:mm} |");
            }
            else if (number == 9)
            {
                // Measured by tests/Groundwork.Deploy.Tests, which writes artifacts/reliability/9.json when it has run.
                text.AppendLine("| 9 | Rolling deploy under load: 0 failed requests, 0 lost clicks | a rolling replacement of every instance by the deploy tool | — | — | — | not measured yet: run `tests/Groundwork.Deploy.Tests` | — |");
            }
            else if (number == 10)
            {
                // Written by bench/run.sh --soak: the row's cells after the promise, on one marked line of docs/soak.md.
                var soak = Path.Combine(RepoRoot, "docs", "soak.md");
                var cells = File.Exists(soak)
                    ? File.ReadLines(soak).FirstOrDefault(l => l.StartsWith("<!-- reliability-row-10:", StringComparison.Ordinal))?["<!-- reliability-row-10:".Length..].Replace("-->", "", StringComparison.Ordinal).Trim()
                    : null;
                text.AppendLine(cells is null
                    ? "| 10 | Soak: 10 minutes of mixed load, bounded memory, no error, stable p99 | — (outside the CI suite: run `bench/run.sh --soak`) | — | — | — | not measured yet | — |"
                    : $"| 10 | Soak: 10 minutes of mixed load, bounded memory, no error, stable p99 | {cells} |");
            }
            else
            {
                text.AppendLine($"| {number} | (not measured yet) | | | | | | |");
            }
        }
        text.AppendLine();
        text.AppendLine("## Notes per scenario");
        text.AppendLine();
        foreach (var r in rows.Values.OrderBy(r => r.Number))
        {
            text.AppendLine($"- **{r.Number}. {r.Promise}** — {r.Notes}{(extraNotes.TryGetValue(r.Number, out var extra) ? " " + extra : "")}");
        }
        text.AppendLine();
        text.AppendLine("Decisions these scenarios verify (rate limiting without Redis, the click buffer bound, primary-down writes,");
        text.AppendLine("slow-database budgets) are recorded in [decisions.md](decisions.md#faults-and-abuse-what-the-suite-verifies).");
        return text.ToString();
    }

    private static string Cell(string value) => value.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
