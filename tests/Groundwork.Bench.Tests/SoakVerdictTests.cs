using Groundwork.Bench;

namespace Groundwork.Bench.Tests;

/// <summary>The soak's verdict (promise 10) on made-up windows: no servers, no timing.</summary>
public sealed class SoakVerdictTests
{
    private static SoakWindow Window(int minute, double p99Ms = 5, double apiRss = 150, double redisRss = 10, long s4xx = 0, long timeouts = 0) =>
        new(minute, 120_000, 60, new WrkErrors(0, 0, 0, s4xx, timeouts), new StatusCounts(12_000, 108_000 - s4xx, s4xx, 0, 0),
            1, p99Ms, 50, 50, new Dictionary<string, double> { ["api-1"] = apiRss, ["redis"] = redisRss });

    private static List<SoakWindow> Steady() => [.. Enumerable.Range(1, 10).Select(m => Window(m))];

    [Fact]
    public void Steady_run_keeps_the_promise()
    {
        var verdict = SoakVerdict.Judge(Steady());

        Assert.True(verdict.Kept);
        Assert.Equal(1_200_000, verdict.Requests);
        Assert.Equal(180, verdict.Memory.Single(m => m.Process == "api-1").BoundMiB, 6);
        Assert.Equal(18, verdict.Memory.Single(m => m.Process == "redis").BoundMiB, 6); // the 8 MiB floor, not 20 % of 10
    }

    [Fact]
    public void Growing_memory_breaks_it()
    {
        var windows = Steady();
        windows[9] = Window(10, apiRss: 181);

        var verdict = SoakVerdict.Judge(windows);

        Assert.False(verdict.MemoryHeld);
        Assert.False(verdict.Kept);
    }

    [Fact]
    public void Minute_one_growth_is_not_the_reference()
    {
        var windows = Steady();
        windows[0] = Window(1, apiRss: 300);

        Assert.True(SoakVerdict.Judge(windows).MemoryHeld);
    }

    [Fact]
    public void On_runs_past_the_cache_retention_growth_until_the_first_turnover_is_not_the_reference()
    {
        // Redis fills with cached links for the 60-minute retention, then holds steady; minutes 62-64 are the reference.
        var windows = Enumerable.Range(1, 75).Select(m => Window(m, redisRss: m <= 60 ? 10 + 2 * m : 130)).ToList();
        var redis = SoakVerdict.Judge(windows).Memory.Single(m => m.Process == "redis");
        Assert.Equal(62, SoakVerdict.ReferenceStart(75));
        Assert.Equal(130, redis.ReferenceMiB, 6);
        Assert.True(redis.Held);

        windows[74] = Window(75, redisRss: 160); // growth after the turnover is still caught
        Assert.False(SoakVerdict.Judge(windows).MemoryHeld);
    }

    [Fact]
    public void A_run_shorter_than_the_retention_cannot_prove_the_cache_stops_growing()
    {
        // The same fill, cut at 40 minutes: the reference is minutes 2-4 and Redis's growth breaks the bound.
        var windows = Enumerable.Range(1, 40).Select(m => Window(m, redisRss: 10 + 2 * m)).ToList();
        Assert.Equal(2, SoakVerdict.ReferenceStart(40));
        Assert.False(SoakVerdict.Judge(windows).MemoryHeld);
    }

    [Fact]
    public void P99_creeping_past_twice_the_start_breaks_it()
    {
        var windows = Steady();
        windows[7] = Window(8, p99Ms: 11);
        windows[8] = Window(9, p99Ms: 11);
        Assert.False(SoakVerdict.Judge(windows).P99Stable);

        windows[8] = Window(9, p99Ms: 5); // one slow minute: the median of the last three stays put
        Assert.True(SoakVerdict.Judge(windows).P99Stable);
    }

    [Fact]
    public void Any_error_breaks_it()
    {
        var windows = Steady();
        windows[4] = Window(5, s4xx: 1);
        Assert.Equal(1, SoakVerdict.Judge(windows).Errors);
        Assert.False(SoakVerdict.Judge(windows).Kept);

        windows[4] = Window(5, timeouts: 2);
        Assert.Equal(2, SoakVerdict.Judge(windows).Errors);
    }

    [Fact]
    public void Soak_options_parse_with_low_connections_by_default()
    {
        var options = BenchOptions.Parse(["--soak", "--minutes", "3"]);
        Assert.True(options.Soak);
        Assert.Equal(3, options.SoakMinutes);
        Assert.Equal(BenchOptions.SoakConnections, options.Connections);
        Assert.Equal(4, BenchOptions.Parse(["--connections", "4", "--soak"]).Connections);
    }

    [Fact]
    public void Status_line_of_soak_lua_parses()
    {
        var statuses = SoakRun.ParseStatuses("Running 1m test\nGW-RESULT {}\nGW-STATUS {\"s2xx\":8,\"s3xx\":90,\"s4xx\":1,\"s5xx\":2,\"other\":0}\n");
        Assert.Equal(new StatusCounts(8, 90, 1, 2, 0), statuses);
        Assert.Equal(3, statuses.NotSuccess);
    }
}
