namespace Groundwork.Bench;

/// <summary>
/// The scenarios of issue 8 (1–6) and issue 19 (7: scenario 1 with the Aspire dashboard as the telemetry sink). Subject and baseline runs alternate within each repetition (and which goes first
/// alternates too), so machine noise lands on both sides; each ratio is taken within one repetition.
/// </summary>
public sealed class Scenarios(
    BenchOptions options,
    Wrk wrk,
    BenchStack cached,
    BenchStack uncached,
    string bareKestrelUrl,
    string nginxUrl,
    int bareKestrelPid,
    int nginxPid,
    BackgroundRate cachedIdle,
    BackgroundRate uncachedIdle,
    OtlpSinkServer sink,
    BenchStack dashboardStack,
    HttpClient http)
{
    private const string Redirect = "redirect.lua";

    private async Task<MeasuredLoad> RunAsync(string url, string script, CpuMeter cpu)
    {
        var before = cpu.CpuSeconds();
        var load = await wrk.RunAsync(url, script, options.Duration);
        return new MeasuredLoad(load, cpu.CpuSeconds() - before);
    }

    private async Task<(List<MeasuredLoad> Subject, List<MeasuredLoad> Baseline)> SideBySideAsync(string subjectUrl, CpuMeter subjectCpu, string baselineUrl, CpuMeter baselineCpu, string script,
        IReadOnlyList<CpuMeter>? alsoDuringSubject = null, List<double[]>? alsoCpuUsPerRequest = null, Func<Task>? beforeSubject = null, Func<long, Task>? afterSubject = null)
    {
        await wrk.RunAsync(subjectUrl, script, options.WarmUp);
        await wrk.RunAsync(baselineUrl, script, options.WarmUp);
        var subject = new List<MeasuredLoad>();
        var baseline = new List<MeasuredLoad>();
        var also = alsoDuringSubject ?? [];
        for (var rep = 0; rep < options.Repetitions; rep++)
        {
            async Task Subject()
            {
                if (beforeSubject is not null)
                {
                    await beforeSubject();
                }
                var also0 = also.Select(m => m.CpuSeconds()).ToArray();
                subject.Add(await RunAsync(subjectUrl, script, subjectCpu));
                var requests = subject[^1].Load.Requests;
                alsoCpuUsPerRequest?.Add([.. also.Select((m, i) => requests > 0 ? (m.CpuSeconds() - also0[i]) * 1e6 / requests : double.NaN)]);
                if (afterSubject is not null)
                {
                    await afterSubject(requests);
                }
            }
            if (rep % 2 == 0)
            {
                await Subject();
                baseline.Add(await RunAsync(baselineUrl, script, baselineCpu));
            }
            else
            {
                baseline.Add(await RunAsync(baselineUrl, script, baselineCpu));
                await Subject();
            }
            Console.WriteLine($"   rep {rep + 1}: subject {subject[^1].Load.Rps:0} req/s p99 {subject[^1].Load.P99Ms:0.0} ms {subject[^1].CpuUsPerRequest:0} µs CPU/req | baseline {baseline[^1].Load.Rps:0} req/s p99 {baseline[^1].Load.P99Ms:0.0} ms {baseline[^1].CpuUsPerRequest:0} µs CPU/req");
        }
        return (subject, baseline);
    }

    private static Metric Compare(string name, string unit, List<MeasuredLoad> subject, List<MeasuredLoad> baseline, Func<MeasuredLoad, double> value, Goal? goal) =>
        new(name, unit, Spread.Of(subject.Select(value)), Spread.Of(baseline.Select(value)),
            Spread.Of(subject.Zip(baseline, (s, b) => value(s) / value(b))), goal);

    private static Metric CompareLoads(string name, string unit, List<WrkResult> subject, List<WrkResult> baseline, Func<WrkResult, double> value, Goal? goal) =>
        new(name, unit, Spread.Of(subject.Select(value)), Spread.Of(baseline.Select(value)),
            Spread.Of(subject.Zip(baseline, (s, b) => value(s) / value(b))), goal);

    private static IEnumerable<string> ErrorNotes(string who, IEnumerable<WrkResult> runs)
    {
        var failed = runs.Sum(r => r.FailedRequests);
        if (failed > 0)
        {
            yield return $"{who}: {failed} failed requests (non-2xx/3xx, timeouts or socket errors) across the repetitions.";
        }
    }

    /// <summary>
    /// Scenario 1: api-1 of the measured stack, whose instances export OTLP to the benchmark's sink (as in AWS, where
    /// New Relic ingests off the box), against bare Kestrel. The sink runs on the same cores; its CPU is reported apart.
    /// </summary>
    public async Task<ScenarioResult> RedirectDirectAsync()
    {
        Console.WriteLine("== 1. redirect hot path, one instance direct vs bare Kestrel (telemetry to the OTLP sink)");
        var sinkMeter = new CpuMeter("OTLP sink", [sink.Process.Pid], []);
        var alsoCpu = new List<double[]>();
        var sinkBytes = new List<double>();
        OtlpSinkCounts? before = null;
        var (subject, baseline) = await SideBySideAsync(
            cached.InstanceUrl(1), CpuMeter.ForListeners("api-1", cached.ApiPorts[0]),
            bareKestrelUrl, CpuMeter.ForGroup("bare Kestrel", bareKestrelPid), Redirect, [sinkMeter], alsoCpu,
            async () => before = await sink.StatsAsync(http),
            async requests =>
            {
                // Exports are batched every 5 s (the SDK's default, as in AWS): a run shorter than that may see none.
                var received = (await sink.StatsAsync(http))!.Since(before!);
                sinkBytes.Add(requests > 0 ? received.Bytes / (double)requests : double.NaN);
            });
        return new ScenarioResult(1, "Redirect hot path, one instance direct", "api-1 GET /{slug} (cache warm), OTLP to the sink", "bare Kestrel constant 302",
        [
            Compare("throughput", "req/s", subject, baseline, r => r.Load.Rps, Goal.Min(0.85, "≥ 0.85 ×")),
            Compare("p50 latency", "ms", subject, baseline, r => r.Load.P50Ms, null),
            Compare("p99 latency", "ms", subject, baseline, r => r.Load.P99Ms, Goal.Max(1.5, "≤ 1.5 ×")),
            Compare("server CPU per request", "µs", subject, baseline, r => r.CpuUsPerRequest, Goal.Max(1.10, "≤ 1.10 ×")),
            new Metric("CPU per request of the OTLP sink (accepts and drops; New Relic's ingest in AWS)", "µs", Spread.Of(alsoCpu.Select(c => c[0])), null, null, null),
            new Metric("OTLP bytes the sink received per request", "bytes", Spread.Of(sinkBytes), null, null, null),
        ], [.. ErrorNotes("api-1", subject.Select(r => r.Load)), .. ErrorNotes("bare Kestrel", baseline.Select(r => r.Load)),
            "CPU per request: user + system CPU of the server process (api-1, or bare Kestrel) over the run ÷ requests served; the least noise-sensitive figure on a shared machine.",
            "The instances export traces (5 % head-sampled), metrics and logs over OTLP/gRPC to bench/Groundwork.Bench.OtlpSink with the OpenTelemetry SDK's defaults, as the app servers' user data leaves them in AWS (batches every 5 s, metrics every 60 s); scenario 7 is the same measurement with the Aspire dashboard as the sink."],
        new { subject, baseline, sinkCpuUsPerRequest = alsoCpu.Select(c => c[0]), sinkBytesPerRequest = sinkBytes });
    }

    /// <summary>What a twin of api-1 changes (issue 19's "reason for each miss, measured"): one cost turned off each.</summary>
    public static readonly IReadOnlyList<(string Variant, string Why, IReadOnlyDictionary<string, string> Changes)> TwinVariants =
    [
        ("as shipped", "api-1's settings", new Dictionary<string, string>()),
        ("OpenTelemetry off", "OTEL_SDK_DISABLED=true: no traces, metrics or logs exported (the difference is what telemetry costs)",
            new Dictionary<string, string> { ["OTEL_SDK_DISABLED"] = "true" }),
        ("Sentry off", "no DSN: the Sentry SDK not started", new Dictionary<string, string> { ["Sentry__Dsn"] = "", ["Sentry__Spotlight"] = "" }),
        ("Sentry with traces", "Sentry:SendTraces=true: Sentry's ASP.NET Core integration and a transaction per sampled request (the app servers' setting until 2026-12-03)",
            new Dictionary<string, string> { ["Sentry__SendTraces"] = "true" }),
        ("thread-pool spin on", "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=70, the runtime's default (shipped: 0)",
            new Dictionary<string, string> { ["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = "70" }),
    ];

    /// <summary>
    /// Scenario 8: where an instance's CPU goes. Twins of api-1 (<see cref="InstanceTwin"/>: same process, environment,
    /// data tier and sinks), each with one cost turned off or on, take the redirect and the create load directly, in
    /// turn within each repetition (the order rotates); each twin's CPU per request is compared with the as-shipped
    /// twin's in the same repetition, so the difference is that setting's cost, measured.
    /// </summary>
    public async Task<ScenarioResult> WhereInstanceCpuGoesAsync(string workDirectory)
    {
        Console.WriteLine("== 8. where an instance's CPU goes: twins of api-1 with one cost changed each");
        var api1 = ProcessMemory.PidListeningOn(cached.ApiPorts[0]) ?? throw new InvalidOperationException("api-1 is not listening");
        var twins = new List<InstanceTwin>();
        try
        {
            foreach (var (variant, _, changes) in TwinVariants)
            {
                twins.Add(await InstanceTwin.StartAsync(api1, variant, changes, workDirectory, http));
            }
            var metrics = new List<Metric>();
            var samples = new Dictionary<string, object>();
            foreach (var (load, script, unit) in new[] { ("redirect", Redirect, "µs per redirect"), ("create", "create.lua", "µs per create") })
            {
                foreach (var twin in twins)
                {
                    await wrk.RunAsync(twin.Url, script, options.WarmUp);
                }
                var cpu = twins.ToDictionary(t => t.Variant, _ => new List<double>());
                for (var rep = 0; rep < options.Repetitions; rep++)
                {
                    for (var i = 0; i < twins.Count; i++)
                    {
                        var twin = twins[(i + rep) % twins.Count];
                        var run = await RunAsync(twin.Url, script, twin.Cpu);
                        cpu[twin.Variant].Add(run.CpuUsPerRequest);
                    }
                    Console.WriteLine($"   {load} rep {rep + 1}: " + string.Join(" | ", twins.Select(t => $"{t.Variant} {cpu[t.Variant][^1]:0.0} µs")));
                }
                var shipped = cpu[TwinVariants[0].Variant];
                metrics.Add(new Metric($"{load}: CPU, as shipped", unit, Spread.Of(shipped), null, null, null));
                foreach (var (variant, _, _) in TwinVariants.Skip(1))
                {
                    metrics.Add(new Metric($"{load}: CPU, {variant} (baseline: as shipped)", unit, Spread.Of(cpu[variant]), Spread.Of(shipped),
                        Spread.Of(cpu[variant].Zip(shipped, (v, b) => v / b)), null));
                }
                samples[load] = cpu;
            }
            return new ScenarioResult(8, "Where an instance's CPU goes", "twins of api-1, one setting changed each, loaded directly in turn", "the as-shipped twin, same repetition",
                metrics, [.. TwinVariants.Select(v => $"{v.Variant}: {v.Why}.")], samples);
        }
        finally
        {
            foreach (var twin in twins)
            {
                await twin.DisposeAsync();
            }
        }
    }

    /// <summary>Scenario 7: scenario 1 on a stack as ./groundwork up runs it, the Aspire dashboard ingesting on the same cores.</summary>
    public async Task<ScenarioResult> RedirectWithDashboardAsync()
    {
        Console.WriteLine("== 7. redirect hot path with the Aspire dashboard as the telemetry sink (as ./groundwork up), vs bare Kestrel");
        var dashboard = ProcessMemory.DashboardOf(dashboardStack.AppHostPid) is { } dashboardPid ? new CpuMeter("dashboard", [dashboardPid], []) : null;
        var alsoCpu = new List<double[]>();
        var (subject, baseline) = await SideBySideAsync(
            dashboardStack.InstanceUrl(1), CpuMeter.ForListeners("api-1", dashboardStack.ApiPorts[0]),
            bareKestrelUrl, CpuMeter.ForGroup("bare Kestrel", bareKestrelPid), Redirect, dashboard is null ? [] : [dashboard], alsoCpu);
        return new ScenarioResult(7, "Redirect hot path, telemetry to the local dashboard", "api-1 of a third stack (1 instance) GET /{slug}, OTLP to the Aspire dashboard", "bare Kestrel constant 302",
        [
            Compare("throughput", "req/s", subject, baseline, r => r.Load.Rps, null),
            Compare("p99 latency", "ms", subject, baseline, r => r.Load.P99Ms, null),
            Compare("server CPU per request", "µs", subject, baseline, r => r.CpuUsPerRequest, null),
            new Metric("CPU per request of the Aspire dashboard receiving api-1's OTLP", "µs", Spread.Of(alsoCpu.Where(c => c.Length > 0).Select(c => c[0])), null, null, null),
        ], [.. ErrorNotes("api-1", subject.Select(r => r.Load)), .. ErrorNotes("bare Kestrel", baseline.Select(r => r.Load)),
            "A local-only cost: the dashboard decodes and stores every span, metric and log on the same two cores (the Aspire settings: batches and metrics every second). Reported so a developer knows what ./groundwork up costs; the goals are judged on scenario 1."],
        new { subject, baseline, dashboardCpuUsPerRequest = alsoCpu.Where(c => c.Length > 0).Select(c => c[0]) });
    }

    public async Task<ScenarioResult> RedirectThroughEdgeAsync()
    {
        Console.WriteLine("== 2. redirect through the edge vs nginx, both in front of the same two instances");
        var (subject, baseline) = await SideBySideAsync(
            cached.EdgeUrl, CpuMeter.ForListeners("edge", cached.EdgePort),
            nginxUrl, CpuMeter.ForGroup("nginx", nginxPid), Redirect);
        return new ScenarioResult(2, "Redirect through the edge (2 instances)", "Groundwork.Edge (YARP)", "nginx (same 2 instances)",
        [
            Compare("throughput", "req/s", subject, baseline, r => r.Load.Rps, Goal.Min(1.0, "≥ 1.0 ×")),
            Compare("p50 latency", "ms", subject, baseline, r => r.Load.P50Ms, null),
            Compare("p99 latency", "ms", subject, baseline, r => r.Load.P99Ms, Goal.Max(1.2, "≤ 1.2 ×")),
            Compare("balancer CPU per request", "µs", subject, baseline, r => r.CpuUsPerRequest, null),
        ], [.. ErrorNotes("edge", subject.Select(r => r.Load)), .. ErrorNotes("nginx", baseline.Select(r => r.Load)),
            "CPU per request: the balancer's own CPU only (the edge process; nginx master + workers), the instances behind both are the same."],
        new { subject, baseline });
    }

    /// <summary>Database statements one load window caused, the idle background subtracted.</summary>
    private sealed record DatabaseCost(double Reads, double Writes, double ReplicaReads, double PrimaryReads, double BookkeepingSelects, double Seconds);

    /// <summary>
    /// Reads are SELECTs that fetch data. Each link insert runs one SELECT in its own command (the new id and the
    /// primary's GTID position for read-your-writes): bookkeeping of the write, not a read, and counted out
    /// (<paramref name="linksCreated"/> × 1). The click flush reads no position.
    /// </summary>
    private static DatabaseCost Cost(DataTierSnapshot before, DataTierSnapshot after, BackgroundRate idle, long linksCreated)
    {
        var (primary, replica, elapsed) = after.Since(before);
        var seconds = elapsed.TotalSeconds;
        var writes = Math.Max(0, primary.Writes - idle.PrimaryWritesPerSecond * seconds);
        var bookkeeping = (double)linksCreated;
        var replicaReads = Math.Max(0, replica.Select - idle.ReplicaSelectsPerSecond * seconds);
        var primaryReads = Math.Max(0, primary.Select - idle.PrimarySelectsPerSecond * seconds - bookkeeping);
        return new DatabaseCost(replicaReads + primaryReads, writes, replicaReads, primaryReads, bookkeeping, seconds);
    }

    private async Task<(WrkResult Load, DatabaseCost Cost, double CpuUsPerRequest)> MeasuredAsync(BenchStack stack, BackgroundRate idle, string url, string script, bool countLinks, CpuMeter cpu)
    {
        var (load, cost, cpuUs) = await MeasuredAsync(stack, idle, url, script, countLinks, [cpu]);
        return (load, cost, cpuUs[0]);
    }

    /// <summary>A load window with the database statements it caused and the CPU per request of each meter.</summary>
    private async Task<(WrkResult Load, DatabaseCost Cost, double[] CpuUsPerRequest)> MeasuredAsync(BenchStack stack, BackgroundRate idle, string url, string script, bool countLinks, CpuMeter[] meters)
    {
        var links0 = countLinks ? await StatementCounts.ScalarAsync(stack.Manifest.PrimaryConnectionString, "SELECT COUNT(*) FROM links") : 0;
        var before = await DataTierSnapshot.TakeAsync(stack.Manifest);
        var cpu0 = meters.Select(m => m.CpuSeconds()).ToArray();
        var load = await wrk.RunAsync(url, script, options.Duration);
        var cpuUs = meters.Select((m, i) => load.Requests == 0 ? double.NaN : (m.CpuSeconds() - cpu0[i]) * 1e6 / load.Requests).ToArray();
        // Let the instances' click flush (every 5 s) land inside the window: writes caused by this load are counted.
        await Task.Delay(TimeSpan.FromSeconds(options.Smoke ? 0 : 5.5));
        var after = await DataTierSnapshot.TakeAsync(stack.Manifest);
        var links1 = countLinks ? await StatementCounts.ScalarAsync(stack.Manifest.PrimaryConnectionString, "SELECT COUNT(*) FROM links") : 0;
        return (load, Cost(before, after, idle, links1 - links0), cpuUs);
    }

    public async Task<ScenarioResult> CacheEffectAsync()
    {
        Console.WriteLine("== 3. cache effect: redirects with the cache vs with it off (every redirect reads the replica)");
        var onUrl = cached.InstanceUrl(1);
        var offUrl = uncached.InstanceUrl(1);
        await wrk.RunAsync(onUrl, Redirect, options.WarmUp);
        await wrk.RunAsync(offUrl, Redirect, options.WarmUp);
        var on = new List<(WrkResult Load, DatabaseCost Cost, double CpuUsPerRequest)>();
        var off = new List<(WrkResult Load, DatabaseCost Cost, double CpuUsPerRequest)>();
        // The whole stack's CPU per redirect: the instance and the data tier (primary, replica, Redis).
        var onCpu = CpuMeter.ForListeners("cache on", [cached.ApiPorts[0], .. DataTierPorts(cached)]);
        var offCpu = CpuMeter.ForListeners("cache off", [uncached.ApiPorts[0], .. DataTierPorts(uncached)]);
        for (var rep = 0; rep < options.Repetitions; rep++)
        {
            if (rep % 2 == 0)
            {
                on.Add(await MeasuredAsync(cached, cachedIdle, onUrl, Redirect, countLinks: false, onCpu));
                off.Add(await MeasuredAsync(uncached, uncachedIdle, offUrl, Redirect, countLinks: false, offCpu));
            }
            else
            {
                off.Add(await MeasuredAsync(uncached, uncachedIdle, offUrl, Redirect, countLinks: false, offCpu));
                on.Add(await MeasuredAsync(cached, cachedIdle, onUrl, Redirect, countLinks: false, onCpu));
            }
            Console.WriteLine($"   rep {rep + 1}: cache {on[^1].Load.Rps:0} req/s, {PerThousand(on[^1], c => c.Reads):0.00} reads + {PerThousand(on[^1], c => c.Writes):0.00} writes per 1000 | no cache {off[^1].Load.Rps:0} req/s, {PerThousand(off[^1], c => c.Reads):0.0} reads per 1000");
        }
        var onLoads = on.Select(x => x.Load).ToList();
        var offLoads = off.Select(x => x.Load).ToList();
        return new ScenarioResult(3, "Cache effect on redirects", "api-1 with the cache (L1 + Redis)", "api-1 of a second stack with Links:CacheRedirects=false",
        [
            CompareLoads("throughput (speed-up)", "req/s", onLoads, offLoads, r => r.Rps, Goal.Min(5, "≥ 5 ×")),
            CompareLoads("p99 latency", "ms", onLoads, offLoads, r => r.P99Ms, null),
            new Metric("stack CPU per redirect (instance + primary + replica + Redis)", "µs", Spread.Of(on.Select(x => x.CpuUsPerRequest)), Spread.Of(off.Select(x => x.CpuUsPerRequest)),
                Spread.Of(on.Zip(off, (a, b) => a.CpuUsPerRequest / b.CpuUsPerRequest)), null),
            new Metric("database reads per 1,000 redirects", "reads", Spread.Of(on.Select(x => PerThousand(x, c => c.Reads))), Spread.Of(off.Select(x => PerThousand(x, c => c.Reads))), null, Goal.Max(1, "≤ 1")),
            new Metric("database writes per 1,000 redirects", "writes", Spread.Of(on.Select(x => PerThousand(x, c => c.Writes))), Spread.Of(off.Select(x => PerThousand(x, c => c.Writes))), null, Goal.Max(10, "≤ 10")),
        ],
        [
            .. ErrorNotes("cache on", onLoads), .. ErrorNotes("cache off", offLoads),
            $"Idle background subtracted (replica monitors, health probes): cache-on stack {cachedIdle.PrimarySelectsPerSecond:0.0} SELECT/s on the primary, {cachedIdle.ReplicaSelectsPerSecond:0.0}/s on the replica; cache-off stack {uncachedIdle.PrimarySelectsPerSecond:0.0}/s and {uncachedIdle.ReplicaSelectsPerSecond:0.0}/s.",
            "Each window runs 5.5 s past the load so the instances' 5-second click flush is inside it.",
        ], new { cacheOn = on.Select(x => new { x.Load, x.Cost, x.CpuUsPerRequest }), cacheOff = off.Select(x => new { x.Load, x.Cost, x.CpuUsPerRequest }) });
    }

    private static int[] DataTierPorts(BenchStack stack) => [stack.PrimaryServerPort, stack.ReplicaServerPort, stack.RedisPort];

    private static int PortOf(string connectionString) =>
        (int)new MySqlConnector.MySqlConnectionStringBuilder(connectionString).Port;

    private static double PerThousand((WrkResult Load, DatabaseCost Cost, double CpuUsPerRequest) run, Func<DatabaseCost, double> value) =>
        run.Load.Requests == 0 ? double.NaN : value(run.Cost) * 1000.0 / run.Load.Requests;

    public async Task<ScenarioResult> CreateLinksAsync()
    {
        Console.WriteLine("== 4. create links through the edge vs direct inserts into the primary");
        var primary = cached.Manifest.PrimaryConnectionString;
        await wrk.RunAsync(cached.EdgeUrl, "create.lua", options.WarmUp);
        await DirectInserts.RunAsync(primary, options.Connections, options.WarmUp);
        var app = new List<WrkResult>();
        var direct = new List<DirectInserts.Result>();
        var lags = new List<IReadOnlyList<double>>();
        var instancesCpu = CpuMeter.ForListeners("instances", cached.ApiPorts);
        var primaryCpu = CpuMeter.ForListeners("primary", cached.PrimaryServerPort);
        // Round trips: the instances' client sockets to the primary's endpoint (the port their connection strings name).
        var primaryEndpoint = PortOf(primary);
        var instancePids = cached.ApiPorts.Select(ProcessMemory.PidListeningOn).OfType<int>().ToArray();
        var statementsPerCreate = new List<double>();
        var roundTripsPerCreate = new List<double>();
        var appCpu = new List<(double Instances, double Primary)>();
        var directCpu = new List<double>();
        for (var rep = 0; rep < options.Repetitions; rep++)
        {
            async Task App()
            {
                var probe = new ReplicaLagProbe();
                using var stop = new CancellationTokenSource();
                var sampling = probe.RunAsync(cached.Manifest, TimeSpan.FromMilliseconds(200), stop.Token);
                var questions0 = await StatementCounts.QuestionsAsync(primary);
                var segments0 = RoundTrips.DataSegmentsSent(primaryEndpoint, instancePids);
                var links0 = await StatementCounts.ScalarAsync(primary, "SELECT COUNT(*) FROM links");
                var (instances0, primary0) = (instancesCpu.CpuSeconds(), primaryCpu.CpuSeconds());
                app.Add(await wrk.RunAsync(cached.EdgeUrl, "create.lua", options.Duration));
                appCpu.Add(((instancesCpu.CpuSeconds() - instances0) * 1e6 / app[^1].Requests, (primaryCpu.CpuSeconds() - primary0) * 1e6 / app[^1].Requests));
                var segments = RoundTrips.DataSegmentsSent(primaryEndpoint, instancePids) - segments0;
                var created = await StatementCounts.ScalarAsync(primary, "SELECT COUNT(*) FROM links") - links0;
                // Every statement the primary ran for clients (MariaDB's Questions, which counts each statement of a
                // batch), less the three this benchmark sent to count; background (replica monitors) is a few per second.
                var statements = await StatementCounts.QuestionsAsync(primary) - questions0 - 3;
                statementsPerCreate.Add(created > 0 ? statements / (double)created : double.NaN);
                roundTripsPerCreate.Add(created > 0 ? segments / (double)created : double.NaN);
                await stop.CancelAsync();
                await sampling;
                lags.Add(probe.SamplesMs);
            }
            async Task Direct()
            {
                var primary0 = primaryCpu.CpuSeconds();
                direct.Add(await DirectInserts.RunAsync(primary, options.Connections, options.Duration));
                directCpu.Add((primaryCpu.CpuSeconds() - primary0) * 1e6 / direct[^1].Inserts);
            }
            if (rep % 2 == 0)
            {
                await App();
                await Direct();
            }
            else
            {
                await Direct();
                await App();
            }
            Console.WriteLine($"   rep {rep + 1}: app {app[^1].Rps:0} creates/s p99 {app[^1].P99Ms:0.0} ms, replica lag max {lags[^1].DefaultIfEmpty().Max():0.0} ms | direct {direct[^1].Rps:0} inserts/s p99 {direct[^1].P99Ms:0.0} ms");
        }
        return new ScenarioResult(4, "Create links", "POST /api/links through the edge (2 instances)", "direct single-row INSERTs into the primary, same concurrency",
        [
            new Metric("throughput", "req/s", Spread.Of(app.Select(r => r.Rps)), Spread.Of(direct.Select(r => r.Rps)), Spread.Of(app.Zip(direct, (a, d) => a.Rps / d.Rps)), Goal.Min(0.35, "≥ 0.35 ×")),
            new Metric("p99 latency", "ms", Spread.Of(app.Select(r => r.P99Ms)), Spread.Of(direct.Select(r => r.P99Ms)), Spread.Of(app.Zip(direct, (a, d) => a.P99Ms / d.P99Ms)), null),
            new Metric("primary CPU per create (app) vs per bare INSERT", "µs", Spread.Of(appCpu.Select(c => c.Primary)), Spread.Of(directCpu), Spread.Of(appCpu.Zip(directCpu, (a, d) => a.Primary / d)), Goal.Max(2.0, "≤ 2.0 ×")),
            new Metric("instance CPU per create", "µs", Spread.Of(appCpu.Select(c => c.Instances)), null, null, Goal.Max(120, "≤ 120 µs")),
            new Metric("primary statements per create", "statements", Spread.Of(statementsPerCreate), null, null, null),
            new Metric("round trips to the primary per create", "round trips", Spread.Of(roundTripsPerCreate), null, null, Goal.Max(1.05, "1")),
            new Metric("replica lag during the load, median of samples", "ms", Spread.Of(lags.Select(l => Spread.Of(l).Median)), null, null, null),
            new Metric("replica lag during the load, max", "ms", Spread.Of(lags.Select(l => l.DefaultIfEmpty().Max())), null, null, null),
        ],
        [
            .. ErrorNotes("creates", app),
            "Lag: every 200 ms the primary's @@gtid_binlog_pos is read and the time the replica takes to reach it (MASTER_GTID_WAIT) is recorded; 0 means it already had it.",
            "Statements per create: MariaDB's Questions counter on the primary (each statement of a batch counts, the connection reset's SET NAMES too) ÷ links created. Round trips per create: data segments the instances' sockets sent to the primary's endpoint (ss -ti data_segs_out) ÷ links created; a batch written at once is one segment, but each TLS write is its own segment, so commands MySqlConnector pipelines (the connection reset before the first command of a pooled connection) count once each: an upper bound on round trips. Both include the replica monitors' few statements per second.",
            "Primary CPU: the mariadbd process itself (not the AppHost's movable endpoint in front of it, which app and baseline both pass through).",
        ], new { app, direct, statementsPerCreate, roundTripsPerCreate, appCpuUsPerCreate = appCpu.Select(c => new { c.Instances, c.Primary }), directPrimaryCpuUsPerInsert = directCpu, lagSamplesMs = lags });
    }

    public async Task<ScenarioResult> ReplicaShareAsync()
    {
        Console.WriteLine("== 5. replica share under a mixed load (90 % redirects, 8 % stats, 2 % creates) through the edge");
        await wrk.RunAsync(cached.EdgeUrl, "mixed.lua", options.WarmUp);
        var runs = new List<(WrkResult Load, DatabaseCost Cost, double[] CpuUsPerRequest)>();
        // Per tier, for the scaling arithmetic in docs/performance.md: what each request costs the ALB's stand-in,
        // the app servers, and the database + cache servers.
        CpuMeter[] meters =
        [
            CpuMeter.ForListeners("edge", cached.EdgePort),
            CpuMeter.ForListeners("instances", cached.ApiPorts),
            CpuMeter.ForListeners("primary", cached.PrimaryServerPort),
            CpuMeter.ForListeners("replica", cached.ReplicaServerPort),
            CpuMeter.ForListeners("redis", cached.RedisPort),
        ];
        for (var rep = 0; rep < options.Repetitions; rep++)
        {
            runs.Add(await MeasuredAsync(cached, cachedIdle, cached.EdgeUrl, "mixed.lua", countLinks: true, meters));
            var c = runs[^1].Cost;
            Console.WriteLine($"   rep {rep + 1}: {runs[^1].Load.Rps:0} req/s, reads: replica {c.ReplicaReads:0}, primary {c.PrimaryReads:0} → {Share(c):P1} on the replica");
        }
        return new ScenarioResult(5, "Replica share under a mixed load", "stack through the edge, 90/8/2 redirects/stats/creates", null,
        [
            new Metric("share of database reads on the replica", "%", Spread.Of(runs.Select(r => Share(r.Cost) * 100)), null, null, Goal.Min(95, "≥ 95 %")),
            new Metric("throughput", "req/s", Spread.Of(runs.Select(r => r.Load.Rps)), null, null, null),
            new Metric("p99 latency", "ms", Spread.Of(runs.Select(r => r.Load.P99Ms)), null, null, null),
            .. meters.Select((m, i) => new Metric($"CPU per request: {m.Name}", "µs", Spread.Of(runs.Select(r => r.CpuUsPerRequest[i])), null, null, null)),
            new Metric("replica reads per second", "reads/s", Spread.Of(runs.Select(r => r.Cost.ReplicaReads / r.Cost.Seconds)), null, null, null),
            new Metric("primary reads per second", "reads/s", Spread.Of(runs.Select(r => r.Cost.PrimaryReads / r.Cost.Seconds)), null, null, null),
        ],
        [
            .. ErrorNotes("mixed load", runs.Select(r => r.Load)),
            "Reads are SELECTs counted by MariaDB (Com_select) on each server, idle background subtracted; the one SELECT in each link insert's command (its id and its read-your-writes position) is bookkeeping of the write and is not counted as a read.",
        ], runs.Select(r => new { r.Load, r.Cost, r.CpuUsPerRequest }));
    }

    private static double Share(DatabaseCost cost) => cost.Reads <= 0 ? double.NaN : cost.ReplicaReads / cost.Reads;
}
