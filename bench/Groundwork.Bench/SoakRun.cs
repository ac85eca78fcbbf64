using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Groundwork.Bench;

/// <summary>Everything one soak run measured, as written to bench/results/soak-&lt;date&gt;-&lt;sha&gt;.json.</summary>
public sealed record SoakResult(
    string Date,
    string Commit,
    string StartedUtc,
    string Machine,
    string Configuration,
    int Minutes,
    int TargetRate,
    int Connections,
    int WrkThreads,
    int HotSlugs,
    double ColdStartSeconds,
    string LoadAverageBefore,
    string LoadAverageAfter,
    IReadOnlyList<SoakWindow> Windows,
    SoakVerdict Verdict);

/// <summary>
/// The soak test (issue 7, promise 10): one local stack (Release, 2 Api instances + edge), warmed, then scenario 5's mixed
/// load (90/8/2) through the edge at a moderate paced rate for N 1-minute windows; per window the requests, failures,
/// p50/p99 and the RSS of every server. Stops everything at the end and on Ctrl+C/SIGTERM.
/// </summary>
public static class SoakRun
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan RssSampleEvery = TimeSpan.FromSeconds(5);

    public static async Task<SoakResult> RunAsync(BenchOptions options)
    {
        foreach (var tool in new[] { "wrk", "mariadbd", "redis-server", "ss" })
        {
            if (!(Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/sbin").Any(dir => File.Exists(Path.Combine(dir, tool))))
            {
                throw new InvalidOperationException($"{tool} is not installed: apt-get install wrk mariadb-server redis-server iproute2 (bench/run.sh does)");
            }
        }
        var loadBefore = LoadAverage();
        var startedUtc = DateTime.UtcNow;
        var work = Path.Combine(Path.GetTempPath(), $"groundwork-soak-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}");
        Directory.CreateDirectory(work);
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(10) };
        using var stopping = new CancellationTokenSource();

        BenchStack? stack = null;
        var cleanedUp = 0;
        async Task CleanUpAsync()
        {
            if (Interlocked.Exchange(ref cleanedUp, 1) == 1 || stack is null)
            {
                return;
            }
            Console.WriteLine("== stopping everything the soak started");
            await stack.DisposeAsync();
        }
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stopping.Cancel(); // kills the running wrk
            CleanUpAsync().GetAwaiter().GetResult();
            Environment.Exit(130);
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        try
        {
            Console.WriteLine($"== starting the local stack ({options.BuildConfiguration}, cold), 2 instances + edge");
            var apiSettings = options.ApiSettings.ToDictionary(kv => "GROUNDWORK_API__" + kv.Key, kv => kv.Value);
            stack = await BenchStack.StartAsync("soak", 2, work, apiSettings, http, options.BuildConfiguration);
            Console.WriteLine($"   healthy after {stack.ColdStart.TotalSeconds:0.0} s: edge {stack.EdgeUrl}");

            Console.WriteLine($"== hot set: {options.HotSlugs} links, read once on every instance and the edge");
            var slugs = HotSet.Slugs(options.HotSlugs);
            var slugsFile = Path.Combine(work, "slugs.txt");
            await File.WriteAllLinesAsync(slugsFile, slugs);
            await HotSet.CreateAsync(http, stack.InstanceUrl(1), slugs);
            await HotSet.WarmAsync(http, stack.ApiPorts.Select((_, i) => stack.InstanceUrl(i + 1)).Append(stack.EdgeUrl), slugs);

            var processes = new List<(string Name, int Pid)>();
            void Add(string name, int port)
            {
                if (ProcessMemory.PidListeningOn(port) is { } pid)
                {
                    processes.Add((name, pid));
                }
                else
                {
                    Console.WriteLine($"   warning: nothing listens on {port} ({name}); its memory is not tracked");
                }
            }
            for (var i = 0; i < stack.ApiPorts.Length; i++)
            {
                Add($"api-{i + 1}", stack.ApiPorts[i]);
            }
            Add("edge", stack.EdgePort);
            Add("primary", PortOf(stack.Manifest.PrimaryConnectionString));
            Add("replica", PortOf(stack.Manifest.ReplicaConnectionString));
            Add("redis", stack.RedisPort);

            var wrk = new Wrk(options, slugsFile);
            var intervalMs = options.Connections * 1000.0 / options.SoakRate;
            var environment = new Dictionary<string, string> { ["GW_SOAK_INTERVAL_MS"] = intervalMs.ToString("0.####", CultureInfo.InvariantCulture) };
            var warmUp = options.WarmUp < TimeSpan.FromSeconds(15) ? TimeSpan.FromSeconds(15) : options.WarmUp;
            Console.WriteLine($"== warm-up: {warmUp.TotalSeconds:0} s of the soak load (not counted)");
            await wrk.RunWithOutputAsync(stack.EdgeUrl, "soak.lua", warmUp, null, environment, stopping.Token);

            Console.WriteLine($"== soak: {options.SoakMinutes} × 1 min, mix 90/8/2 through the edge, target {options.SoakRate} req/s over {options.Connections} connections (wrk delay() {intervalMs:0.###} ms per connection)");
            var windows = new List<SoakWindow>();
            for (var minute = 1; minute <= options.SoakMinutes; minute++)
            {
                var peaks = processes.ToDictionary(p => p.Name, _ => double.NaN);
                using var sampling = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
                var sampler = SampleRssAsync(processes, peaks, sampling.Token);
                var cpu0 = CpuTicks();
                var (load, output) = await wrk.RunWithOutputAsync(stack.EdgeUrl, "soak.lua", Window, null, environment, stopping.Token);
                var cpu1 = CpuTicks();
                await sampling.CancelAsync();
                await sampler;
                Sample(processes, peaks);
                var statuses = ParseStatuses(output);
                var busy = cpu1.Total == cpu0.Total ? double.NaN : 100.0 * (1 - (double)(cpu1.Idle - cpu0.Idle) / (cpu1.Total - cpu0.Total));
                var window = new SoakWindow(minute, load.Requests, load.DurationUs / 1e6, load.Errors, statuses, load.P50Ms, load.P99Ms,
                    load.LatencyUs.Max / 1000.0, busy, peaks);
                windows.Add(window);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"   min {minute,2}: {window.Rps,6:0} req/s, errors {window.Errors}, p50 {window.P50Ms:0.00} ms, p99 {window.P99Ms:0.00} ms, CPU {busy:0} %, RSS {string.Join(", ", peaks.Select(kv => $"{kv.Key} {kv.Value:0}"))} MiB"));
            }

            var verdict = SoakVerdict.Judge(windows);
            return new SoakResult(
                startedUtc.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                Repo.ShortCommit(),
                startedUtc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                $"{Environment.ProcessorCount} cores, {Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024))} GiB, {RuntimeInformation.OSDescription}; wrk and every server share these cores",
                options.BuildConfiguration,
                options.SoakMinutes,
                options.SoakRate,
                options.Connections,
                Math.Min(options.Threads, options.Connections),
                options.HotSlugs,
                stack.ColdStart.TotalSeconds,
                loadBefore,
                LoadAverage(),
                windows,
                verdict);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Ctrl+C/SIGTERM: the signal handler stops the stack and exits with 130.
            await Task.Delay(Timeout.Infinite, CancellationToken.None);
            throw;
        }
        catch
        {
            Console.WriteLine($"   logs kept in {work}");
            await CleanUpAsync();
            throw;
        }
        finally
        {
            await CleanUpAsync();
        }
    }

    private static async Task SampleRssAsync(IReadOnlyList<(string Name, int Pid)> processes, Dictionary<string, double> peaks, CancellationToken token)
    {
        try
        {
            while (true)
            {
                Sample(processes, peaks);
                await Task.Delay(RssSampleEvery, token);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static void Sample(IReadOnlyList<(string Name, int Pid)> processes, Dictionary<string, double> peaks)
    {
        lock (peaks)
        {
            foreach (var (name, pid) in processes)
            {
                double rss;
                try
                {
                    rss = ProcessMemory.RssMiB(pid);
                }
                catch (IOException)
                {
                    continue; // the process is gone: the window's errors will say so
                }
                if (double.IsNaN(peaks[name]) || rss > peaks[name])
                {
                    peaks[name] = rss;
                }
            }
        }
    }

    public static StatusCounts ParseStatuses(string wrkOutput)
    {
        var line = wrkOutput.Split('\n').FirstOrDefault(l => l.StartsWith("GW-STATUS ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"soak.lua printed no GW-STATUS line: {wrkOutput}");
        using var json = JsonDocument.Parse(line["GW-STATUS ".Length..]);
        long Get(string name) => json.RootElement.GetProperty(name).GetInt64();
        return new StatusCounts(Get("s2xx"), Get("s3xx"), Get("s4xx"), Get("s5xx"), Get("other"));
    }

    /// <summary>Whole-machine CPU ticks from /proc/stat (idle + iowait count as idle).</summary>
    private static (long Idle, long Total) CpuTicks()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            return (fields[3] + fields[4], fields.Take(8).Sum());
        }
        catch (IOException)
        {
            return (0, 0);
        }
    }

    private static int PortOf(string connectionString) => (int)new MySqlConnector.MySqlConnectionStringBuilder(connectionString).Port;

    private static string LoadAverage()
    {
        try
        {
            return string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes soak-&lt;date&gt;-&lt;sha&gt;[-label].json into <paramref name="directory"/>; returns its path.</summary>
    public static string WriteJson(SoakResult result, string directory, string? label)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"soak-{result.Date}-{result.Commit}{(label is null ? "" : "-" + label)}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(result, Json) + "\n");
        return path;
    }

    /// <summary>The first line docs/reliability.md's row 10 takes from docs/soak.md (the cells after the promise).</summary>
    public const string ReliabilityRowMarker = "<!-- reliability-row-10:";

    public static string Markdown(SoakResult r, string jsonFile)
    {
        var v = r.Verdict;
        string F(double x, string format = "0.0") => double.IsNaN(x) ? "—" : x.ToString(format, CultureInfo.InvariantCulture);
        string N(long x) => x.ToString("N0", CultureInfo.InvariantCulture);
        string Yes(bool ok) => ok ? "yes" : "**no**";
        var processes = r.Windows.SelectMany(w => w.RssMiB.Keys).Distinct().ToList();
        var referenceStart = SoakVerdict.ReferenceStart(r.Windows.Count);
        var reference = $"{referenceStart}–{referenceStart + SoakVerdict.EndMinutes - 1}";
        var rps = Spread.Of(r.Windows.Select(w => w.Rps));
        var busy = Spread.Of(r.Windows.Select(w => w.CpuBusyPercent));
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Soak: {r.Minutes} minutes of mixed load (issue 7, promise 10)");
        md.AppendLine();
        md.AppendLine("Written by `bench/run.sh --soak` — do not edit by hand.");
        md.AppendLine(CultureInfo.InvariantCulture,
            $"Run of {r.StartedUtc} UTC, commit `{r.Commit}` ({r.Configuration}); every sample in `bench/results/{jsonFile}`. {r.Machine}.");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"## Verdict: {(v.Kept ? "kept" : "**broken**")}");
        md.AppendLine();
        md.AppendLine("| Promise | Rule | Measured | Kept |");
        md.AppendLine("|---|---|---|---|");
        md.AppendLine(CultureInfo.InvariantCulture, $"| No error | 0 transport errors/timeouts (wrk) and 0 responses outside 2xx/3xx (soak.lua) | {N(v.Errors)} of {N(v.Requests)} requests | {Yes(v.NoError)} |");
        foreach (var m in v.Memory)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| Bounded memory: {m.Process} | RSS in the last {SoakVerdict.EndMinutes} minutes ≤ {F(m.BoundMiB)} MiB | {F(m.LastMaxMiB)} MiB (reference minutes {reference}: {F(m.ReferenceMiB)} MiB) | {Yes(m.Held)} |");
        }
        md.AppendLine(CultureInfo.InvariantCulture, $"| Stable p99 | median p99 of the last {SoakVerdict.EndMinutes} minutes ≤ {SoakVerdict.P99Factor:0} × that of the first {SoakVerdict.EndMinutes} = {F(v.P99LimitMs, "0.00")} ms | {F(v.LastP99Ms, "0.00")} ms (first: {F(v.FirstP99Ms, "0.00")} ms) | {Yes(v.P99Stable)} |");
        md.AppendLine();
        md.AppendLine("## Per minute");
        md.AppendLine();
        md.AppendLine("RSS is the largest of the samples taken every 5 s during the minute; CPU is the whole machine's (2 cores, wrk included).");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"| Minute | Requests | req/s | Errors | 2xx / 3xx | p50 (ms) | p99 (ms) | max (ms) | CPU busy | {string.Join(" | ", processes.Select(p => p + " (MiB)"))} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"|---:|---:|---:|---:|---:|---:|---:|---:|---:|{string.Concat(processes.Select(_ => "---:|"))}");
        foreach (var w in r.Windows)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {w.Minute} | {N(w.Requests)} | {F(w.Rps, "0")} | {N(w.Errors)} | {N(w.Statuses.S2xx)} / {N(w.Statuses.S3xx)} | {F(w.P50Ms, "0.00")} | {F(w.P99Ms, "0.00")} | {F(w.MaxMs, "0.0")} | {F(w.CpuBusyPercent, "0")} % | {string.Join(" | ", processes.Select(p => F(w.RssMiB.TryGetValue(p, out var x) ? x : double.NaN, "0")))} |");
        }
        md.AppendLine();
        md.AppendLine("## How");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- One local stack as the benchmark starts it (`BenchStack`: AppHost in {r.Configuration}, MariaDB primary + replica, Redis, 2 Api instances, the edge; environment Production, traces sampled at 5 %), cold start {F(r.ColdStartSeconds)} s; {r.HotSlugs} hot links created and read once on every instance and the edge, then 15 s of the same load as warm-up (not counted).");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Load: scenario 5's mix (90 % `GET /{{slug}}`, 8 % `GET /api/links/{{slug}}`, 2 % `POST /api/links`) through the edge on 127.0.0.1, `bench/wrk/soak.lua`, wrk with {r.WrkThreads} thread and {r.Connections} connections, paced by wrk's `delay()` to a target of {N(r.TargetRate)} req/s (achieved: {F(rps.Median, "0")} req/s median per minute, {F(rps.Min, "0")}–{F(rps.Max, "0")}). Unpaced, the same mix reaches ~7,500 req/s on this machine (docs/performance.md, scenario 5): the target is moderate on purpose, so the machine stays about half busy (measured: {F(busy.Median, "0")} % median, {F(busy.Min, "0")}–{F(busy.Max, "0")} %) and a slow leak or a creeping p99 is not hidden by saturation. One wrk run per minute ({r.Minutes} in a row).");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Memory bound: for each process, the largest RSS of the last {SoakVerdict.EndMinutes} minutes ≤ max(largest RSS of the reference minutes ({reference}) × {SoakVerdict.MemoryFactor:0.0}, that + {SoakVerdict.MemoryMinHeadroomMiB:0} MiB). Minute 1 is left out because it still grows for good reasons (JIT tiers, connection pools, the GC sizing its heap); on runs of {SoakVerdict.RetentionRunMinutes} minutes or more the reference starts after the cache's {SoakVerdict.CacheRetentionMinutes}-minute retention, because every created link is held in Redis (and in the creating instance's memory, up to its 100,000-entry limit) for that long before it turns over — shorter runs see the cache filling and cannot prove that it stops; 20 % over the settled size is room for GC and allocator breathing, while a leak at this rate ({N(v.Requests)} requests, ~{N(v.Requests / 50)} new links) would keep climbing past it; the {SoakVerdict.MemoryMinHeadroomMiB:0} MiB floor keeps small processes (Redis, ~10 MiB) from failing on page-level noise.");
        md.AppendLine(CultureInfo.InvariantCulture, $"- p99 stability: the median of the per-minute p99 over the last {SoakVerdict.EndMinutes} minutes ≤ {SoakVerdict.P99Factor:0} × the median over the first {SoakVerdict.EndMinutes} (medians, so one GC-heavy minute on a shared 2-core machine does not decide it).");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Machine load (1/5/15-min load average) at the start: {r.LoadAverageBefore}; at the end: {r.LoadAverageAfter}.");
        md.AppendLine();
        var injected = $"— (outside the CI suite: `bench/run.sh --soak`, {r.Minutes} min of 90/8/2 mixed load at {F(rps.Median, "0")} req/s; p99 {F(v.FirstP99Ms, "0.0")} → {F(v.LastP99Ms, "0.0")} ms; memory {(v.MemoryHeld ? "held" : "**not held**")}; see [soak.md](soak.md))";
        md.AppendLine(CultureInfo.InvariantCulture,
            $"{ReliabilityRowMarker} {injected.Replace("-->", "", StringComparison.Ordinal)} | {v.Requests.ToString(CultureInfo.InvariantCulture)} | {v.Errors.ToString(CultureInfo.InvariantCulture)} | — | {(v.Kept ? "yes" : "**no**")} | {r.StartedUtc} -->");
        return md.ToString();
    }
}
