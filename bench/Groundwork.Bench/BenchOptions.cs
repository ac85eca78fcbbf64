using System.Globalization;

namespace Groundwork.Bench;

/// <summary>What one run measures and for how long. Defaults fit a 2-core machine in about 10–15 minutes.</summary>
public sealed record BenchOptions
{
    public int Repetitions { get; init; } = 3;
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(3);
    /// <summary>Concurrent connections of every load run, subject and baseline alike.</summary>
    public int Connections { get; init; } = 32;
    /// <summary>wrk threads: one, so the load generator takes at most one of the two cores.</summary>
    public int Threads { get; init; } = 1;
    public int HotSlugs { get; init; } = 1000;
    /// <summary>Where results go; null: bench/results. The smoke test points this at a temp folder.</summary>
    public string? ResultsDirectory { get; init; }
    /// <summary>Rewrite the results section of docs/performance.md (off for smoke runs).</summary>
    public bool UpdateDocs { get; init; } = true;
    public bool Smoke { get; init; }
    /// <summary>
    /// App settings for every Api instance of both stacks (passed as GROUNDWORK_API__KEY=VALUE), to measure a variant,
    /// e.g. <c>Clicks__FlushInterval=00:00:01</c>. Empty: the stack as it ships. (OTEL_* cannot be varied this way:
    /// Aspire sets its own OTEL_* variables on every project.)
    /// </summary>
    public IReadOnlyDictionary<string, string> ApiSettings { get; init; } = new Dictionary<string, string>();
    /// <summary>Appended to the results file name (&lt;date&gt;-&lt;sha&gt;-&lt;label&gt;) so a variant run does not replace the main one.</summary>
    public string? Label { get; init; }
    /// <summary>Which build of the stack and the baseline to run: Release for numbers; the smoke test runs Debug.</summary>
    public string BuildConfiguration { get; init; } = "Release";
    /// <summary>The soak test (issue 7, promise 10) instead of the scenarios: one stack, mixed load in 1-minute windows.</summary>
    public bool Soak { get; init; }
    public int SoakMinutes { get; init; } = SoakVerdict.RetentionRunMinutes;
    /// <summary>The soak's target rate (requests/s over all connections; wrk's delay() spaces each connection's requests by
    /// connections/rate, so the achieved rate is lower by the latency): moderate, about half of the 2 cores, against
    /// ~7,500 req/s the same mix reaches unpaced (scenario 5). Measured: a target of 5,000 gave 3,740 req/s and a 65 % busy
    /// machine; 3,500 aims at ~2,800 req/s and ~50 %.</summary>
    public int SoakRate { get; init; } = 3500;
    /// <summary>Connections of the soak run (low: the load is paced, not saturating); --connections overrides it.</summary>
    public const int SoakConnections = 8;

    /// <summary>The one short iteration that keeps the runner from rotting: every scenario, once, briefly.</summary>
    public static BenchOptions SmokeRun(string resultsDirectory) => new()
    {
        Repetitions = 1,
        Duration = TimeSpan.FromSeconds(1),
        WarmUp = TimeSpan.FromMilliseconds(500),
        Connections = 4,
        HotSlugs = 20,
        ResultsDirectory = resultsDirectory,
        UpdateDocs = false,
        Smoke = true,
    };

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        var connectionsGiven = false;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            connectionsGiven |= args[i] == "--connections";
            options = args[i] switch
            {
                "--reps" => options with { Repetitions = Int(Next()) },
                "--duration" => options with { Duration = TimeSpan.FromSeconds(Int(Next())) },
                "--warmup" => options with { WarmUp = TimeSpan.FromSeconds(Int(Next())) },
                "--connections" => options with { Connections = Int(Next()) },
                "--threads" => options with { Threads = Int(Next()) },
                "--hot-slugs" => options with { HotSlugs = Int(Next()) },
                "--out" => options with { ResultsDirectory = Path.GetFullPath(Next()) },
                "--no-docs" => options with { UpdateDocs = false },
                "--label" => options with { Label = Next() },
                "--api-setting" => options with { ApiSettings = WithSetting(options.ApiSettings, Next()) },
                "--soak" => options with { Soak = true },
                "--minutes" => options with { SoakMinutes = Int(Next()) },
                "--rate" => options with { SoakRate = Int(Next()) },
                "--smoke" => SmokeRun(Path.Combine(Path.GetTempPath(), "groundwork-bench-smoke")) with { },
                _ => throw new ArgumentException($"unknown option {args[i]} (known: --reps N --duration S --warmup S --connections N --threads N --hot-slugs N --out DIR --no-docs --label NAME --api-setting KEY=VALUE --smoke --soak --minutes N --rate R)"),
            };
        }
        return options.Soak && !connectionsGiven ? options with { Connections = SoakConnections } : options;
    }

    private static Dictionary<string, string> WithSetting(IReadOnlyDictionary<string, string> settings, string keyValue)
    {
        var at = keyValue.IndexOf('=', StringComparison.Ordinal);
        if (at <= 0)
        {
            throw new ArgumentException($"--api-setting wants KEY=VALUE (e.g. Links__CacheRedirects=false), not {keyValue}");
        }
        return new Dictionary<string, string>(settings) { [keyValue[..at]] = keyValue[(at + 1)..] };
    }

    private static int Int(string value) => int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
}
