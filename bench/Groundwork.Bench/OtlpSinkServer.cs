using System.Globalization;
using System.Net.Http.Json;
using Groundwork.Workspace;

namespace Groundwork.Bench;

/// <summary>
/// bench/Groundwork.Bench.OtlpSink: the OTLP/gRPC receiver that accepts and drops every export, standing in for New
/// Relic's off-box ingest. The stacks the benchmark measures export to it (AppHost switch GROUNDWORK_OTLP_SINK), so
/// their ratios reflect our code; it runs on the same cores, so its CPU per request is reported on its own.
/// </summary>
public sealed class OtlpSinkServer(ChildProcess process, string otlpUrl, string statsUrl)
{
    public ChildProcess Process { get; } = process;
    /// <summary>What the instances get as OTEL_EXPORTER_OTLP_ENDPOINT.</summary>
    public string OtlpUrl { get; } = otlpUrl;
    /// <summary>What the instances get as Sentry:Dsn: the sink's Sentry envelope endpoint, as the self-hosted Sentry's DSN in AWS.</summary>
    public string SentryDsn => new UriBuilder(StatsUrl) { UserName = "bench", Path = "/1" }.Uri.ToString().TrimEnd('/');

    public static async Task<OtlpSinkServer> StartAsync(string workDirectory, HttpClient http, string configuration = "Release")
    {
        var dll = Repo.Path("bench", "Groundwork.Bench.OtlpSink", "bin", configuration, "net10.0", "Groundwork.Bench.OtlpSink.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"Build the OTLP sink in {configuration} first (bench/run.sh does): dotnet build bench/Groundwork.Bench.OtlpSink -c {configuration}", dll);
        }
        var otlpPort = FreePorts.Next();
        int statsPort;
        do
        {
            statsPort = FreePorts.Next();
        }
        while (statsPort == otlpPort);
        string S(int p) => p.ToString(CultureInfo.InvariantCulture);
        var process = ChildProcess.Start("otlp-sink", Path.Combine(workDirectory, "otlp-sink.log"),
            new Dictionary<string, string> { ["DOTNET_ENVIRONMENT"] = "Production", ["ASPNETCORE_ENVIRONMENT"] = "Production" },
            Path.GetDirectoryName(dll)!, "dotnet", dll, S(otlpPort), S(statsPort));
        var sink = new OtlpSinkServer(process, $"http://127.0.0.1:{S(otlpPort)}", $"http://127.0.0.1:{S(statsPort)}");
        await process.WaitUntilAsync(sink.StatsUrl, async () => (await sink.StatsAsync(http)) is not null, TimeSpan.FromSeconds(60));
        return sink;
    }

    private string StatsUrl { get; } = statsUrl;

    /// <summary>Exports and bytes received so far.</summary>
    public async Task<OtlpSinkCounts?> StatsAsync(HttpClient http) =>
        await http.GetFromJsonAsync<OtlpSinkCounts>(StatsUrl + "/stats", System.Text.Json.JsonSerializerOptions.Web);
}

/// <summary>
/// What the sink counted: OTLP export calls in all and per signal, and the bytes of their bodies. The JSON of the sink's
/// /stats (SinkStats in Groundwork.Bench.OtlpSink, an executable this project does not reference), read by name.
/// </summary>
public sealed record OtlpSinkCounts(long Exports, long Bytes, long Traces, long Metrics, long Logs)
{
    public OtlpSinkCounts Since(OtlpSinkCounts before) =>
        new(Exports - before.Exports, Bytes - before.Bytes, Traces - before.Traces, Metrics - before.Metrics, Logs - before.Logs);
}
