using Groundwork.Bench;

namespace Groundwork.Bench.Tests;

/// <summary>
/// One short iteration of the whole benchmark (three stacks, the OTLP sink, bare Kestrel, nginx, every scenario), so the command
/// documented in bench/README.md keeps working. It asserts that each scenario produced its figures and that no
/// request failed, never how fast anything was: the benchmark is not a test.
/// </summary>
public sealed class SmokeRunTests
{
    [Fact]
    public async Task Every_scenario_runs_once_and_reports_its_figures()
    {
        var results = Path.Combine(Path.GetTempPath(), "gw-bench-smoke-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var options = BenchOptions.SmokeRun(results) with { BuildConfiguration = BenchPiecesTests.Configuration };

            var run = await BenchmarkRun.RunAsync(options);
            var (json, markdown) = Report.Write(run, results);

            Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], run.Scenarios.Select(s => s.Id));
            Assert.All(run.Scenarios.SelectMany(s => s.Metrics), m => Assert.True(m.Subject.N >= 1, $"{m.Name} has no sample"));
            Assert.All(run.Scenarios, s => Assert.DoesNotContain(s.Notes, n => n.Contains("failed requests", StringComparison.Ordinal)));
            var cache = run.Scenarios.Single(s => s.Id == 3).Metrics.Single(m => m.Name.StartsWith("database reads", StringComparison.Ordinal));
            Assert.True(cache.Baseline!.Median > 500, "with the cache off every redirect should read the database");
            Assert.True(File.Exists(json));
            var table = await File.ReadAllTextAsync(markdown);
            Assert.Contains("| 6 | Start-up and memory |", table);
            Assert.Contains("| Api RSS after the run vs bare Kestrel |", table);
            // Each create is at least one round trip to the primary: zero would mean the sockets were not found.
            var roundTrips = run.Scenarios.Single(s => s.Id == 4).Metrics.Single(m => m.Name.StartsWith("round trips", StringComparison.Ordinal));
            Assert.True(roundTrips.Subject.Median >= 1, $"round trips per create: {roundTrips.Subject.Median}");
        }
        finally
        {
            if (Directory.Exists(results))
            {
                Directory.Delete(results, recursive: true);
            }
        }
    }
}
