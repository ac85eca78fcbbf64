using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Groundwork.Bench;

/// <summary>One wrk run as its Lua done() reported it (bench/wrk/report.lua). Latencies in microseconds.</summary>
public sealed record WrkResult(long Requests, long DurationUs, long Bytes, WrkErrors Errors, WrkLatency LatencyUs)
{
    public double Rps => Requests / (DurationUs / 1e6);
    public double P50Ms => LatencyUs.P50 / 1000.0;
    public double P99Ms => LatencyUs.P99 / 1000.0;
    public long FailedRequests => Errors.Status + Errors.Timeout + Errors.Read + Errors.Connect + Errors.Write;
}

public sealed record WrkErrors(long Connect, long Read, long Write, long Status, long Timeout);

public sealed record WrkLatency(long P50, long P90, long P99, long Max, double Mean);

/// <summary>Runs wrk (the Debian package) against 127.0.0.1 only, for a bounded time, with one of bench/wrk/*.lua.</summary>
public sealed class Wrk(BenchOptions options, string slugsFile)
{
    public async Task<WrkResult> RunAsync(string baseUrl, string script, TimeSpan duration, int? connections = null) =>
        (await RunWithOutputAsync(baseUrl, script, duration, connections)).Result;

    /// <summary>As <see cref="RunAsync"/>, also returning wrk's whole output (scripts may print more lines, e.g. soak.lua's
    /// GW-STATUS); <paramref name="environment"/> is passed to the script; cancelling kills wrk.</summary>
    public async Task<(WrkResult Result, string Output)> RunWithOutputAsync(string baseUrl, string script, TimeSpan duration, int? connections = null,
        IReadOnlyDictionary<string, string>? environment = null, CancellationToken cancellationToken = default)
    {
        var uri = new Uri(baseUrl);
        if (!System.Net.IPAddress.IsLoopback(System.Net.IPAddress.Parse(uri.Host)))
        {
            throw new InvalidOperationException($"load goes to loopback only, not {baseUrl}");
        }
        var wrkDir = Repo.Path("bench", "wrk");
        var c = connections ?? options.Connections;
        var start = new ProcessStartInfo("wrk")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     "-t", Math.Min(options.Threads, c).ToString(CultureInfo.InvariantCulture),
                     "-c", c.ToString(CultureInfo.InvariantCulture),
                     "-d", $"{Math.Max(1, (int)Math.Round(duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture)}s",
                     "--timeout", "5s",
                     "-s", Path.Combine(wrkDir, script),
                     baseUrl,
                 })
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["GW_WRK_DIR"] = wrkDir;
        start.Environment["GW_SLUGS"] = slugsFile;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        using var wrk = Process.Start(start) ?? throw new InvalidOperationException("could not start wrk (apt-get install wrk)");
        var stdout = wrk.StandardOutput.ReadToEndAsync();
        var stderr = wrk.StandardError.ReadToEndAsync();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(duration + TimeSpan.FromSeconds(30));
        try
        {
            await wrk.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            wrk.Kill();
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"wrk against {baseUrl} did not finish");
        }
        var output = await stdout;
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("GW-RESULT ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"wrk printed no result (exit {wrk.ExitCode}): {output}\n{await stderr}");
        var result = JsonSerializer.Deserialize<WrkResult>(line["GW-RESULT ".Length..], JsonSerializerOptions.Web)
            ?? throw new InvalidOperationException("empty wrk result");
        return (result, output);
    }
}
