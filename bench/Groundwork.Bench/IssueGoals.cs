using System.Globalization;

namespace Groundwork.Bench;

/// <summary>One row of issue 19's goal table: computed from a run's figures, never written by hand.</summary>
public sealed record GoalRow(string Figure, string Achieved, string Goal, bool? Met, string Reason);

/// <summary>
/// Issue 19's seven goals, judged on the figures of one run (ratios within one repetition, medians over the
/// repetitions). A miss carries the measured figures that explain it, from the same run.
/// </summary>
public static class IssueGoals
{
    public static IReadOnlyList<GoalRow> Of(RunResult run)
    {
        Metric? Find(int scenario, string name) =>
            run.Scenarios.FirstOrDefault(s => s.Id == scenario)?.Metrics.FirstOrDefault(m => m.Name.StartsWith(name, StringComparison.Ordinal));
        string N(double v) => Number(v);
        string Ratio(Metric? m) => m?.Ratio is { N: > 0 } r ? $"{N(r.Median)}× ({N(m.Subject.Median)} vs {N(m.Baseline!.Median)} {m.Unit})" : "not measured";
        string Value(Metric? m) => m is { Subject.N: > 0 } ? $"{N(m.Subject.Median)} {m.Unit}" : "not measured";

        var redirectCpu = Find(1, "server CPU per request");
        var redirectRps = Find(1, "throughput");
        var sinkCpu = Find(1, "CPU per request of the OTLP sink");
        var createRps = Find(4, "throughput");
        var createPrimary = Find(4, "primary CPU per create");
        var createInstance = Find(4, "instance CPU per create");
        var statements = Find(4, "primary statements per create");
        var roundTrips = Find(4, "round trips to the primary per create");
        var rss = Find(6, "RSS of each Api instance");
        var anon = Find(6, "of which anonymous");
        var file = Find(6, "of which file-backed");

        double Median(Metric? m) => m?.Subject.Median ?? double.NaN;
        double BaselineMedian(Metric? m) => m?.Baseline?.Median ?? double.NaN;
        var cpuBound = BaselineMedian(redirectCpu) / (Median(redirectCpu) + Median(sinkCpu));

        return
        [
            new("instance CPU per hot redirect vs bare Kestrel", Ratio(redirectCpu), "≤ 1.10×", redirectCpu?.Met,
                $"api-1 spends {N(Median(redirectCpu) - BaselineMedian(redirectCpu))} µs more per redirect than bare Kestrel (middleware, routing, the cache lookup, click counting, telemetry instrumentation)"),
            new("redirect throughput vs bare Kestrel, telemetry to the OTLP sink", Ratio(redirectRps), "≥ 0.85×", redirectRps?.Met,
                $"CPU-bound on 2 shared cores: bare Kestrel's CPU ÷ (api-1's + the sink's) per redirect = {N(BaselineMedian(redirectCpu))} ÷ ({N(Median(redirectCpu))} + {N(Median(sinkCpu))}) = {N(cpuBound)}×, the throughput the CPU figures predict"),
            new("primary statements and round trips per create", $"{Value(statements)} in {Value(roundTrips)}", "1 round trip", roundTrips?.Met,
                "writes counted by the kernel (data segments the instances sent to the primary; pipelined commands such as a pooled connection's reset count once each), statements by MariaDB (Questions, which counts the reset's SET NAMES)"),
            new("primary CPU per create vs a bare INSERT", Ratio(createPrimary), "≤ 2.0×", createPrimary?.Met,
                $"{Value(statements)} per create against 1 for the bare INSERT"),
            new("instance CPU per create", Value(createInstance), "≤ 120 µs", createInstance?.Met,
                "both instances' CPU over the create load ÷ creates (request parsing, the rate-limit check in Redis, the INSERT, the write-through to memory + Redis and its backplane message, JSON)"),
            new("create throughput vs bare INSERTs", Ratio(createRps), "≥ 0.35×", createRps?.Met,
                $"per create the instances spend {Value(createInstance)} and the primary {N(Median(createPrimary))} µs, against {N(BaselineMedian(createPrimary))} µs for a bare INSERT; the edge, wrk and both instances share the 2 cores"),
            new("Api RSS after the run vs bare Kestrel", Ratio(rss), "≤ 1.5×", rss?.Met,
                $"anonymous {N(Median(anon))} vs {N(BaselineMedian(anon))} MiB (GC heap, JIT code, native heaps); file-backed and shared {N(Median(file))} vs {N(BaselineMedian(file))} MiB (the assemblies the Api maps: OpenTelemetry, AWS SDK core, Sentry, MySqlConnector, StackExchange.Redis, FusionCache, … and their W^X code mappings)"),
        ];
    }

    public static string Markdown(RunResult run)
    {
        var md = new System.Text.StringBuilder();
        md.AppendLine("Issue 19's goals, from this run (medians; each ratio within one repetition):");
        md.AppendLine();
        md.AppendLine("| Figure | Achieved | Goal | Met | Measured reason |");
        md.AppendLine("|---|---|---|---|---|");
        foreach (var row in Of(run))
        {
            var met = row.Met switch { true => "yes", false => "**no**", null => "—" };
            md.AppendLine(CultureInfo.InvariantCulture, $"| {row.Figure} | {row.Achieved} | {row.Goal} | {met} | {(row.Met == true ? "—" : row.Reason)} |");
        }
        return md.ToString();
    }

    private static string Number(double v) => double.IsNaN(v) ? "n/a" : Math.Abs(v) switch
    {
        >= 1000 => v.ToString("N0", CultureInfo.InvariantCulture),
        >= 100 => v.ToString("0", CultureInfo.InvariantCulture),
        >= 10 => v.ToString("0.0", CultureInfo.InvariantCulture),
        _ => v.ToString("0.00", CultureInfo.InvariantCulture),
    };
}
