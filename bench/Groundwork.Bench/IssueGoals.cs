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
        // Scenario 8's twins: what one setting costs per request = the as-shipped twin's CPU less the twin's without it.
        // Paired within each repetition (the ratio to the as-shipped twin), so a noisy repetition moves both sides.
        double Saved(string load, string variant) => Find(8, $"{load}: CPU, {variant}") is { Ratio: { } ratio } m ? BaselineMedian(m) * (1 - ratio.Median) : double.NaN;
        var shippedRedirect = Median(Find(8, "redirect: CPU, as shipped"));
        var shippedCreate = Median(Find(8, "create: CPU, as shipped"));
        string Twins(string load, double shipped) => double.IsNaN(shipped) ? "" :
            $"; twins of api-1 (scenario 8, {N(shipped)} µs as shipped): OpenTelemetry {N(Saved(load, "OpenTelemetry off"))} µs, Sentry {N(Saved(load, "Sentry off"))} µs of it"
            + $" (Sentry with traces would add {N(-Saved(load, "Sentry with traces"))} µs, the thread pool's default spin {N(-Saved(load, "thread-pool spin on"))} µs)";

        return
        [
            new("instance CPU per hot redirect vs bare Kestrel", Ratio(redirectCpu), "≤ 1.10×", redirectCpu?.Met,
                $"api-1 spends {N(Median(redirectCpu) - BaselineMedian(redirectCpu))} µs more per redirect than bare Kestrel{Twins("redirect", shippedRedirect)}; the rest is the middleware (forwarded headers, the exception and status-code handlers, authorization), routing, the cache lookup and its metrics, click counting"),
            new("redirect throughput vs bare Kestrel, telemetry to the OTLP sink", Ratio(redirectRps), "≥ 0.85×", redirectRps?.Met,
                $"CPU-bound on 2 shared cores: bare Kestrel's CPU ÷ (api-1's + the sink's) per redirect = {N(BaselineMedian(redirectCpu))} ÷ ({N(Median(redirectCpu))} + {N(Median(sinkCpu))}) = {N(cpuBound)}×, the throughput the CPU figures predict"),
            new("primary statements and round trips per create", $"{Value(statements)} in {Value(roundTrips)}", "1 round trip", roundTrips?.Met,
                "the second round trip is the pooled session's reset (COM_RESET_CONNECTION + SET NAMES, pipelined): kept, it is what finds a pooled connection a failover cut while idle before the write is sent (without it the first write on each such connection fails after a failover); the INSERT, its id and the read-your-writes position are one command. Writes counted by the kernel (data segments the instances sent to the primary), statements by MariaDB (Questions)"),
            new("primary CPU per create vs a bare INSERT", Ratio(createPrimary), "≤ 2.0×", createPrimary?.Met,
                $"{Value(statements)} per create against 1 for the bare INSERT: the session reset's COM_RESET_CONNECTION and SET NAMES, the INSERT, and the SELECT of its id and GTID position in the same command"),
            new("instance CPU per create", Value(createInstance), "≤ 120 µs", createInstance?.Met,
                $"both instances' CPU over the create load ÷ creates{Twins("create", shippedCreate)}; the rest is three TLS round trips (the rate-limit script in Redis, the session reset, the INSERT command), each an encrypted write, an epoll wake-up and a thread-pool dispatch, plus Kestrel and JSON"),
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
