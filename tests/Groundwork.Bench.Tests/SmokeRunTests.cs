using Groundwork.Bench;

namespace Groundwork.Bench.Tests;

/// <summary>
/// One short iteration of the whole benchmark (two stacks, bare Kestrel, nginx, every scenario), so the command
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

            Assert.Equal([1, 2, 3, 4, 5, 6], run.Scenarios.Select(s => s.Id));
            Assert.All(run.Scenarios.SelectMany(s => s.Metrics), m => Assert.True(m.Subject.N >= 1, $"{m.Name} has no sample"));
            Assert.All(run.Scenarios, s => Assert.DoesNotContain(s.Notes, n => n.Contains("failed requests", StringComparison.Ordinal)));
            var cache = run.Scenarios.Single(s => s.Id == 3).Metrics.Single(m => m.Name.StartsWith("database reads", StringComparison.Ordinal));
            Assert.True(cache.Baseline!.Median > 500, "with the cache off every redirect should read the database");
            Assert.True(File.Exists(json));
            Assert.Contains("| 6 | Start-up and memory |", await File.ReadAllTextAsync(markdown));
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
