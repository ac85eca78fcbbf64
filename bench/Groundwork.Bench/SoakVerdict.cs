namespace Groundwork.Bench;

/// <summary>Responses by status class, as bench/wrk/soak.lua counted them (every response, all wrk threads).</summary>
public sealed record StatusCounts(long S2xx, long S3xx, long S4xx, long S5xx, long Other)
{
    public long NotSuccess => S4xx + S5xx + Other;
}

/// <summary>
/// One minute of the soak: the load wrk drove, what came back, and the largest RSS of each process sampled during it.
/// </summary>
public sealed record SoakWindow(
    int Minute,
    long Requests,
    double Seconds,
    WrkErrors WrkErrors,
    StatusCounts Statuses,
    double P50Ms,
    double P99Ms,
    double MaxMs,
    double CpuBusyPercent,
    IReadOnlyDictionary<string, double> RssMiB)
{
    public double Rps => Seconds <= 0 ? 0 : Requests / Seconds;

    /// <summary>Failed requests: transport errors and timeouts (wrk) plus every response that is not 2xx/3xx (soak.lua).</summary>
    public long Errors => WrkErrors.Connect + WrkErrors.Read + WrkErrors.Write + WrkErrors.Timeout + Statuses.NotSuccess;
}

/// <summary>One process's memory check: the largest RSS of the last minutes against its bound.</summary>
public sealed record MemoryCheck(string Process, double ReferenceMiB, double BoundMiB, double LastMaxMiB, bool Held);

/// <summary>
/// Promise 10 judged on the windows: no error; memory bounded (each process's RSS in the last 3 minutes ≤ its bound);
/// p99 stable (median p99 of the last 3 minutes ≤ 2 × that of the first 3).
/// </summary>
public sealed record SoakVerdict(
    long Requests,
    long Errors,
    IReadOnlyList<MemoryCheck> Memory,
    double FirstP99Ms,
    double LastP99Ms,
    double P99LimitMs)
{
    /// <summary>RSS bound = max of minutes 2–4 × this …</summary>
    public const double MemoryFactor = 1.2;
    /// <summary>… but at least this much above it: 20 % of a 10 MiB Redis is allocator noise, not a leak.</summary>
    public const double MemoryMinHeadroomMiB = 8;
    public const double P99Factor = 2.0;
    /// <summary>Minutes compared at each end of the run (p99 medians, memory's last window).</summary>
    public const int EndMinutes = 3;
    /// <summary>
    /// How long a created link physically stays cached: Redis keeps it for FailSafeMaxDuration (1 h, CacheExtensions), each
    /// instance's memory until then or until its entry limit. Until this has passed once, cache memory grows by design.
    /// </summary>
    public const int CacheRetentionMinutes = 60;
    /// <summary>Runs at least this long are judged on memory taken after the first full turnover of the cache.</summary>
    public const int RetentionRunMinutes = CacheRetentionMinutes + 15;

    public bool NoError => Errors == 0;
    public bool MemoryHeld => Memory.All(m => m.Held);
    public bool P99Stable => LastP99Ms <= P99LimitMs;
    public bool Kept => NoError && MemoryHeld && P99Stable && Requests > 0;

    public static SoakVerdict Judge(IReadOnlyList<SoakWindow> windows)
    {
        if (windows.Count == 0)
        {
            return new SoakVerdict(0, 0, [], double.NaN, double.NaN, double.NaN);
        }
        var requests = windows.Sum(w => w.Requests);
        var errors = windows.Sum(w => w.Errors);

        // Reference: minutes 2–4 (minute 1 still grows: JIT tiers, connection pools, the GC sizing its heap); shorter runs use
        // what there is. Created links are written through to the cache (memory L1 and Redis) and physically kept for the
        // cache's retention, so the memory that holds them grows for that long by design and only then turns over: on runs
        // long enough to show that, the reference window starts after the first turnover (and a short run cannot prove that
        // Redis stops growing: it fails the bound, rightly).
        var referenceStart = ReferenceStart(windows.Count);
        var reference = windows.Where(w => w.Minute >= referenceStart && w.Minute < referenceStart + EndMinutes).ToList();
        if (reference.Count == 0)
        {
            reference = [.. windows];
        }
        var last = windows.TakeLast(EndMinutes).ToList();
        var processes = windows.SelectMany(w => w.RssMiB.Keys).Distinct().Order(StringComparer.Ordinal);
        var memory = processes.Select(p =>
        {
            var referenceMax = Max(reference, p);
            var bound = Math.Max(referenceMax * MemoryFactor, referenceMax + MemoryMinHeadroomMiB);
            var lastMax = Max(last, p);
            return new MemoryCheck(p, referenceMax, bound, lastMax, !double.IsNaN(lastMax) && !double.IsNaN(bound) && lastMax <= bound);
        }).ToList();

        var first = Spread.Of(windows.Take(EndMinutes).Select(w => w.P99Ms)).Median;
        var lastP99 = Spread.Of(last.Select(w => w.P99Ms)).Median;
        return new SoakVerdict(requests, errors, memory, first, lastP99, first * P99Factor);
    }

    /// <summary>First minute of the memory reference window for a run of this many minutes.</summary>
    public static int ReferenceStart(int minutes) => minutes >= RetentionRunMinutes ? CacheRetentionMinutes + 2 : 2;

    private static double Max(IEnumerable<SoakWindow> windows, string process)
    {
        var values = windows.Select(w => w.RssMiB.TryGetValue(process, out var v) ? v : double.NaN).Where(v => !double.IsNaN(v)).ToList();
        return values.Count == 0 ? double.NaN : values.Max();
    }
}
