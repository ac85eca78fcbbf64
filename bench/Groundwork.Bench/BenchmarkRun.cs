using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Groundwork.Bench;

/// <summary>
/// One benchmark run from nothing to results: start two local stacks (cache on; cache off for scenario 3's
/// baseline), the bare Kestrel baseline and nginx, seed and warm the hot set, measure the six scenarios, stop
/// everything (also on Ctrl+C or SIGTERM), write bench/results/&lt;date&gt;-&lt;sha&gt;.json + .md.
/// </summary>
public static class BenchmarkRun
{
    public static async Task<RunResult> RunAsync(BenchOptions options)
    {
        foreach (var tool in new[] { "wrk", "nginx", "mariadbd", "redis-server", "ss" })
        {
            if (!OnPath(tool))
            {
                throw new InvalidOperationException($"{tool} is not installed: apt-get install wrk nginx mariadb-server redis-server iproute2 (bench/run.sh does)");
            }
        }
        var loadBefore = LoadAverage();
        var work = Path.Combine(Path.GetTempPath(), $"groundwork-bench-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}");
        Directory.CreateDirectory(work);
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(10) };

        var started = new Stack<Func<Task>>();
        var cleanedUp = 0;
        async Task CleanUpAsync()
        {
            if (Interlocked.Exchange(ref cleanedUp, 1) == 1)
            {
                return;
            }
            Console.WriteLine("== stopping everything the benchmark started");
            while (started.TryPop(out var stop))
            {
                try
                {
                    await stop();
                }
                catch (Exception e) when (e is IOException or InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    Console.WriteLine($"   stop failed: {e.Message}");
                }
            }
        }
        // A benchmark stopped half-way must not leave servers behind.
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            CleanUpAsync().GetAwaiter().GetResult();
            Environment.Exit(130);
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        RunResult result;
        try
        {
            Console.WriteLine("== the OTLP sink (accepts and drops telemetry: New Relic's off-box ingest in AWS)");
            var sink = await OtlpSinkServer.StartAsync(work, http, options.BuildConfiguration);
            started.Push(() => sink.Process.StopAsync(TimeSpan.FromSeconds(10)));
            Console.WriteLine($"   OTLP/gRPC on {sink.OtlpUrl}, Sentry DSN {sink.SentryDsn}");

            Console.WriteLine($"== starting the local stack ({options.BuildConfiguration}, cold: fresh data directory), 2 instances, cache on, telemetry to the sink");
            var apiSettings = options.ApiSettings.ToDictionary(kv => "GROUNDWORK_API__" + kv.Key, kv => kv.Value);
            // Sentry as on the app servers: a DSN (the sink's envelope endpoint), errors only. A setting given with
            // --api-setting wins, so a variant can measure Sentry:SendTraces.
            var toSink = new Dictionary<string, string>(apiSettings) { ["GROUNDWORK_OTLP_SINK"] = sink.OtlpUrl };
            toSink.TryAdd("GROUNDWORK_API__Sentry__Dsn", sink.SentryDsn);
            var cached = await BenchStack.StartAsync("cached", 2, work, toSink, http, options.BuildConfiguration);
            started.Push(() => cached.DisposeAsync().AsTask());
            Console.WriteLine($"   healthy after {cached.ColdStart.TotalSeconds:0.0} s: edge {cached.EdgeUrl}, instances {string.Join(", ", cached.ApiPorts)}");

            Console.WriteLine("== starting a second stack with the redirect cache off (scenario 3's baseline), 1 instance, telemetry to the sink");
            var uncached = await BenchStack.StartAsync("uncached", 1, work,
                new Dictionary<string, string>(toSink) { ["GROUNDWORK_API__Links__CacheRedirects"] = "false" }, http, options.BuildConfiguration);
            started.Push(() => uncached.DisposeAsync().AsTask());
            Console.WriteLine($"   healthy after {uncached.ColdStart.TotalSeconds:0.0} s");

            Console.WriteLine("== starting a third stack as ./groundwork up runs it (telemetry to the Aspire dashboard; scenario 7), 1 instance");
            var dashboardStack = await BenchStack.StartAsync("dashboard", 1, work, apiSettings, http, options.BuildConfiguration);
            started.Push(() => dashboardStack.DisposeAsync().AsTask());
            Console.WriteLine($"   healthy after {dashboardStack.ColdStart.TotalSeconds:0.0} s");

            Console.WriteLine($"== hot set: {options.HotSlugs} links on each stack, read once on every instance");
            var slugs = HotSet.Slugs(options.HotSlugs);
            var slugsFile = Path.Combine(work, "slugs.txt");
            await File.WriteAllLinesAsync(slugsFile, slugs);
            await HotSet.CreateAsync(http, cached.InstanceUrl(1), slugs);
            await HotSet.CreateAsync(http, uncached.InstanceUrl(1), slugs);
            await HotSet.CreateAsync(http, dashboardStack.InstanceUrl(1), slugs);
            await HotSet.WarmAsync(http, cached.ApiPorts.Select((_, i) => cached.InstanceUrl(i + 1)).Append(cached.EdgeUrl), slugs);
            await HotSet.WarmAsync(http, [uncached.InstanceUrl(1)], slugs);
            await HotSet.WarmAsync(http, [dashboardStack.InstanceUrl(1)], slugs);

            Console.WriteLine("== baselines: bare Kestrel, nginx in front of the same two instances");
            var (bare, bareUrl) = await BaselineServer.StartAsync(work, http, options.BuildConfiguration);
            started.Push(() => bare.StopAsync(TimeSpan.FromSeconds(10)));
            var (nginx, nginxUrl) = await NginxBalancer.StartAsync(work, cached.ApiPorts.Select((_, i) => cached.InstanceUrl(i + 1)), http);
            started.Push(() => nginx.StopAsync(TimeSpan.FromSeconds(10)));

            Console.WriteLine("== idle background of the data tier (replica monitors, health probes)");
            // First let the click flush of the warm-up reads (every 5 s) land, so it is not taken for background.
            await Task.Delay(TimeSpan.FromSeconds(6));
            var idleWindow = options.Smoke ? TimeSpan.FromSeconds(3) : TimeSpan.FromSeconds(8);
            var idle = await Task.WhenAll(BackgroundRate.MeasureAsync(cached.Manifest, idleWindow), BackgroundRate.MeasureAsync(uncached.Manifest, idleWindow));
            Console.WriteLine($"   cache-on stack: {idle[0]}");
            Console.WriteLine($"   cache-off stack: {idle[1]}");

            var wrk = new Wrk(options, slugsFile);
            var scenarios = new Scenarios(options, wrk, cached, uncached, bareUrl, nginxUrl, bare.Pid, nginx.Pid, idle[0], idle[1], sink, dashboardStack, http);
            var results = new List<ScenarioResult>
            {
                await scenarios.RedirectDirectAsync(),
                await scenarios.RedirectThroughEdgeAsync(),
                await scenarios.CacheEffectAsync(),
                await scenarios.CreateLinksAsync(),
                await scenarios.ReplicaShareAsync(),
                StartUpAndMemory(cached, uncached, bare, nginx),
                await scenarios.RedirectWithDashboardAsync(),
                await scenarios.WhereInstanceCpuGoesAsync(work),
            };

            result = new RunResult(
                DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                Repo.ShortCommit(),
                options.Label,
                options.ApiSettings,
                $"{Environment.ProcessorCount} cores, {Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024))} GiB, {RuntimeInformation.OSDescription}; load generator (wrk) and every server share these cores",
                $"stack, edge and baselines built in {options.BuildConfiguration}",
                new BenchOptionsRecord(options.Repetitions, options.Duration.TotalSeconds, options.WarmUp.TotalSeconds, options.Connections, options.Threads, options.HotSlugs),
                results,
                [
                    $"The stacks run as `./groundwork up` runs them (AppHost, built in {options.BuildConfiguration}, environment Production, traces head-sampled at 5 % as in AWS), except that scenarios 1–6 have the instances export OpenTelemetry to the benchmark's OTLP sink, which accepts and drops it as New Relic's off-box ingest would; scenario 7 keeps the Aspire dashboard as the sink.",
                    "Ratios below 1 for throughput (above 1 for latency) mean the subject is slower than its baseline.",
                    $"Machine load (1/5/15-min load average) at the start: {loadBefore}; at the end: {LoadAverage()}. Anything above ~2 means other work shared the 2 cores during the run.",
                ]);
        }
        catch
        {
            await CleanUpAsync();
            Console.WriteLine($"   logs kept in {work}");
            throw;
        }
        finally
        {
            await CleanUpAsync();
        }
        // Success: the servers' logs and data directories are not needed any more.
        TryDelete(work);
        return result;
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static ScenarioResult StartUpAndMemory(BenchStack cached, BenchStack uncached, ChildProcess bare, ChildProcess nginx)
    {
        Console.WriteLine("== 6. start-up and memory");
        var instancePids = cached.ApiPorts.Select(ProcessMemory.PidListeningOn).ToArray();
        var instanceRss = instancePids.Select(pid => pid is { } p ? ProcessMemory.RssMiB(p) : double.NaN).ToArray();
        var instanceParts = instancePids.Select(pid => pid is { } p ? ProcessMemory.RssBreakdownMiB(p) : (double.NaN, double.NaN)).ToArray();
        var edgeRss = ProcessMemory.PidListeningOn(cached.EdgePort) is { } edgePid ? ProcessMemory.RssMiB(edgePid) : double.NaN;
        var bareRss = ProcessMemory.RssMiB(bare.Pid);
        var bareParts = ProcessMemory.RssBreakdownMiB(bare.Pid);
        var nginxRss = ProcessMemory.GroupRssMiB(nginx.Pid);
        Console.WriteLine($"   instances {string.Join(", ", instanceRss.Select(r => r.ToString("0", CultureInfo.InvariantCulture)))} MiB, edge {edgeRss:0} MiB, bare Kestrel {bareRss:0} MiB, nginx {nginxRss:0} MiB");
        return new ScenarioResult(6, "Start-up and memory", "local stack (2 instances) and its processes after the run", "bare Kestrel / nginx after their runs",
        [
            new Metric("cold start to all healthy", "s", Spread.Of([cached.ColdStart.TotalSeconds]), null, null, null),
            new Metric("RSS of each Api instance after the run", "MiB", Spread.Of(instanceRss), Spread.Of([bareRss]), Spread.Of(instanceRss.Select(r => r / bareRss)), Goal.Max(1.5, "≤ 1.5 ×")),
            new Metric("of which anonymous (GC heap, JIT code, native heaps, stacks)", "MiB", Spread.Of(instanceParts.Select(p => p.Item1)), Spread.Of([bareParts.AnonMiB]), Spread.Of(instanceParts.Select(p => p.Item1 / bareParts.AnonMiB)), null),
            new Metric("of which file-backed and shared (mapped assemblies, W^X code mappings)", "MiB", Spread.Of(instanceParts.Select(p => p.Item2)), Spread.Of([bareParts.FileMiB]), Spread.Of(instanceParts.Select(p => p.Item2 / bareParts.FileMiB)), null),
            new Metric("RSS of the edge vs nginx (all workers) after the run", "MiB", Spread.Of([edgeRss]), Spread.Of([nginxRss]), Spread.Of([edgeRss / nginxRss]), null),
        ],
        [
            "Cold start: AppHost process start with a fresh data directory (mariadb-install-db for primary and replica, replication set up, Redis, migrations, instances, edge) until the edge and every instance report healthy; the build is not included.",
            $"The second stack (1 instance, cache off) started in {uncached.ColdStart.TotalSeconds:0.0} s while the first one idled.",
            "RSS split from /proc/<pid>/status: RssAnon, and RssFile + RssShmem. File-backed pages are clean copies of the assemblies the kernel can drop and re-read under memory pressure; anonymous pages are what the process really holds.",
        ], new { coldStartSeconds = cached.ColdStart.TotalSeconds, secondStackColdStartSeconds = uncached.ColdStart.TotalSeconds, instanceRssMiB = instanceRss,
            instanceAnonMiB = instanceParts.Select(p => p.Item1), instanceFileMiB = instanceParts.Select(p => p.Item2), edgeRssMiB = edgeRss, bareKestrelRssMiB = bareRss,
            bareKestrelAnonMiB = bareParts.AnonMiB, bareKestrelFileMiB = bareParts.FileMiB, nginxRssMiB = nginxRss });
    }

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

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/sbin").Append("/sbin")
            .Any(dir => File.Exists(Path.Combine(dir, tool)));
}
