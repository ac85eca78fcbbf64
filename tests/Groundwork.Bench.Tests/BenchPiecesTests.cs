using System.Text.Json;
using Groundwork.Bench;

namespace Groundwork.Bench.Tests;

/// <summary>The runner's parts that can be checked without a stack: wrk + the Lua scripts + the baseline app, the report.</summary>
public sealed class BenchPiecesTests : IAsyncLifetime
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "gw-bench-test-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) };
    private ChildProcess? _bare;
    private string _bareUrl = "";

    public static string Configuration => AppContext.BaseDirectory.Contains("/bin/Release/", StringComparison.Ordinal) ? "Release" : "Debug";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_work);
        (_bare, _bareUrl) = await BaselineServer.StartAsync(_work, _http, Configuration);
    }

    public async Task DisposeAsync()
    {
        if (_bare is not null)
        {
            await _bare.StopAsync(TimeSpan.FromSeconds(10));
        }
        _http.Dispose();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Redirect_script_drives_the_bare_Kestrel_baseline_and_its_summary_parses()
    {
        var slugs = Path.Combine(_work, "slugs.txt");
        await File.WriteAllLinesAsync(slugs, HotSet.Slugs(10));
        var wrk = new Wrk(BenchOptions.SmokeRun(_work), slugs);

        var result = await wrk.RunAsync(_bareUrl, "redirect.lua", TimeSpan.FromSeconds(1));

        Assert.True(result.Requests > 0, "wrk sent no request");
        Assert.Equal(0, result.FailedRequests); // every answer was the baseline's 302, none a 4xx (e.g. a missing Host header)
        Assert.True(result.LatencyUs.P99 >= result.LatencyUs.P50 && result.LatencyUs.P50 > 0);
    }

    [Fact]
    public async Task Wrk_status_errors_are_counted_so_a_broken_subject_cannot_look_fast()
    {
        var slugs = Path.Combine(_work, "slugs.txt");
        await File.WriteAllLinesAsync(slugs, HotSet.Slugs(3));
        var wrk = new Wrk(BenchOptions.SmokeRun(_work), slugs);

        // The baseline maps GET /{slug} only: a POST is a 405, which wrk must report as failed requests.
        var result = await wrk.RunAsync(_bareUrl, "create.lua", TimeSpan.FromSeconds(1));

        Assert.True(result.Requests > 0);
        Assert.Equal(result.Requests, result.Errors.Status);
    }

    [Fact]
    public void Report_replaces_only_the_generated_section_of_the_docs()
    {
        var docs = Path.Combine(_work, "performance.md");
        File.WriteAllText(docs, $"# Performance\n\nprose before\n\n{Report.DocsStart}\nold table\n{Report.DocsEnd}\n\nprose after\n");
        var run = new RunResult("2026-01-01", "abc1234", null, new Dictionary<string, string>(), "2 cores", "Debug", new BenchOptionsRecord(1, 1, 1, 4, 1, 10),
            [new ScenarioResult(1, "Redirect", "api", "bare", [new Metric("throughput", "req/s", Spread.Of([900, 1000, 1100]), Spread.Of([1000, 1000, 1000]), Spread.Of([0.9, 1.0, 1.1]), Goal.Min(0.8, "≥ 0.8 ×"))], [], new { })],
            []);

        Report.UpdateDocs(docs, Report.Markdown(run, "2026-01-01-abc1234.json"));

        var text = File.ReadAllText(docs);
        Assert.Contains("prose before", text);
        Assert.Contains("prose after", text);
        Assert.DoesNotContain("old table", text);
        Assert.Contains("| 1 | Redirect | throughput (req/s) | 1,000 (900–1,100) | 1,000 | 1.00× (0.90–1.10) | ≥ 0.8 × | yes |", text);
        var (json, _) = Report.Write(run, _work);
        Assert.Equal("abc1234", JsonDocument.Parse(File.ReadAllText(json)).RootElement.GetProperty("commit").GetString());
    }

    [Theory]
    [InlineData(new double[] { 3, 1, 2 }, 2, 1, 3)]
    [InlineData(new double[] { 4, 1, 3, 2 }, 2.5, 1, 4)]
    public void Spread_is_the_median_and_range_of_the_repetitions(double[] values, double median, double min, double max)
    {
        var spread = Spread.Of(values);
        Assert.Equal((median, min, max, values.Length), (spread.Median, spread.Min, spread.Max, spread.N));
    }
}
