using Groundwork.Bench;

namespace Groundwork.Bench.Tests;

/// <summary>How the runner turns raw readings into issue 19's figures: round trips from ss, the goal table from a run.</summary>
public sealed class BenchFiguresTests
{
    private const string SsOutput = """
        0      0      127.0.0.1:43928 127.0.0.1:42825 users:(("Groundwork.Api",pid=28426,fd=329))
        	 bbr wscale:10,10 rto:204 bytes_sent:200030 segs_out:451 segs_in:253 data_segs_out:231 data_segs_in:229 lastsnd:788
        0      0      127.0.0.1:53158 127.0.0.1:42825 users:(("Groundwork.Api",pid=26298,fd=342))
        	 bbr wscale:10,10 rto:204 bytes_sent:158535 segs_out:2737 segs_in:2339 data_segs_out:2284 data_segs_in:2329
        0      0      127.0.0.1:54288 127.0.0.1:42825 users:(("dotnet",pid=999,fd=315))
        	 bbr wscale:10,10 rto:204 bytes_sent:216935 segs_out:577 segs_in:310 data_segs_out:295 data_segs_in:294
        0      0      127.0.0.1:54290 127.0.0.1:42825 users:(("Groundwork.Api",pid=28426,fd=330))
        	 bbr wscale:10,10 rto:204 segs_out:2 segs_in:1
        """;

    [Fact]
    public void Round_trips_count_data_segments_of_the_instances_sockets_only()
    {
        // 231 + 2284 from the two instances; the benchmark's own socket (pid 999) and a socket with no data are left out.
        Assert.Equal(2515, RoundTrips.Sum(SsOutput.Replace("\r", ""), [28426, 26298]));
        Assert.Equal(231, RoundTrips.Sum(SsOutput.Replace("\r", ""), [28426]));
    }

    [Fact]
    public void The_goal_table_is_computed_from_the_run_with_a_measured_reason_for_each_miss()
    {
        static Metric M(string name, string unit, double subject, double? baseline, Goal? goal) =>
            new(name, unit, Spread.Of([subject]), baseline is null ? null : Spread.Of([baseline.Value]), baseline is null ? null : Spread.Of([subject / baseline.Value]), goal);
        var run = new RunResult("2026-01-01", "abc1234", null, new Dictionary<string, string>(), "2 cores", "Release", new BenchOptionsRecord(1, 1, 1, 4, 1, 10),
        [
            new ScenarioResult(1, "Redirect", "api", "bare",
            [
                M("throughput", "req/s", 30_000, 40_000, Goal.Min(0.85, "≥ 0.85 ×")),
                M("server CPU per request", "µs", 14, 13, Goal.Max(1.10, "≤ 1.10 ×")),
                M("CPU per request of the OTLP sink (accepts and drops)", "µs", 0.5, null, null),
            ], [], new { }),
            new ScenarioResult(4, "Create", "app", "direct",
            [
                M("throughput", "req/s", 4_000, 10_000, Goal.Min(0.35, "≥ 0.35 ×")),
                M("primary CPU per create (app) vs per bare INSERT", "µs", 90, 50, Goal.Max(2.0, "≤ 2.0 ×")),
                M("instance CPU per create", "µs", 150, null, Goal.Max(120, "≤ 120 µs")),
                M("primary statements per create", "statements", 3, null, null),
                M("round trips to the primary per create", "round trips", 2, null, Goal.Max(1.05, "1")),
            ], [], new { }),
            new ScenarioResult(6, "Memory", "instances", "bare",
            [
                M("RSS of each Api instance after the run", "MiB", 180, 80, Goal.Max(1.5, "≤ 1.5 ×")),
                M("of which anonymous (GC heap…)", "MiB", 60, 20, null),
                M("of which file-backed and shared (…)", "MiB", 120, 60, null),
            ], [], new { }),
            new ScenarioResult(8, "Where an instance's CPU goes", "twins", "as shipped",
            [
                M("redirect: CPU, as shipped", "µs per redirect", 30, null, null),
                M("redirect: CPU, OpenTelemetry off (baseline: as shipped)", "µs per redirect", 24, 30, null),
                M("redirect: CPU, Sentry off (baseline: as shipped)", "µs per redirect", 29, 30, null),
                M("redirect: CPU, Sentry with traces (baseline: as shipped)", "µs per redirect", 70, 30, null),
                M("redirect: CPU, thread-pool spin on (baseline: as shipped)", "µs per redirect", 30.5, 30, null),
                M("create: CPU, as shipped", "µs per create", 400, null, null),
                M("create: CPU, OpenTelemetry off (baseline: as shipped)", "µs per create", 350, 400, null),
            ], [], new { }),
        ], []);

        var rows = IssueGoals.Of(run);

        Assert.Equal(7, rows.Count);
        Assert.Equal([true, false, false, true, false, true, false], rows.Select(r => r.Met));
        // Throughput miss: explained by the CPU figures of the same run, 13 ÷ (14 + 0.5).
        Assert.Contains("= 0.90×", rows[1].Reason);
        // Where the instance's CPU goes: the twins' differences, from scenario 8 of the same run.
        Assert.Contains("(scenario 8, 30.0 µs as shipped): OpenTelemetry 6.00 µs, Sentry 1.00 µs of it (Sentry with traces would add 40.0 µs, the thread pool's default spin 0.50 µs)", rows[0].Reason);
        Assert.Contains("(scenario 8, 400 µs as shipped): OpenTelemetry 50.0 µs", rows[4].Reason);
        Assert.Equal("3.00 statements in 2.00 round trips", rows[2].Achieved);
        Assert.Contains("anonymous 60.0 vs 20.0 MiB", rows[6].Reason);
        var markdown = IssueGoals.Markdown(run);
        Assert.Contains("| Api RSS after the run vs bare Kestrel | 2.25× (180 vs 80.0 MiB) | ≤ 1.5× | **no** |", markdown);
    }
}
