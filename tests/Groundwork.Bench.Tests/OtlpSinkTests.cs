using System.Diagnostics;
using Groundwork.Bench;
using OpenTelemetry;
using OpenTelemetry.Exporter;

namespace Groundwork.Bench.Tests;

/// <summary>
/// The benchmark's OTLP sink against the exporter the app servers use (OpenTelemetry's OTLP exporter over gRPC, as in
/// AWS): it must answer with the protocol's success, or the instances would retry, log and buffer, and the benchmark
/// would measure that instead of the app.
/// </summary>
public sealed class OtlpSinkTests : IAsyncLifetime
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "gw-sink-test-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private OtlpSinkServer? _sink;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_work);
        _sink = await OtlpSinkServer.StartAsync(_work, _http, BenchPiecesTests.Configuration);
    }

    public async Task DisposeAsync()
    {
        if (_sink is not null)
        {
            await _sink.Process.StopAsync(TimeSpan.FromSeconds(10));
        }
        _http.Dispose();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task The_OTLP_gRPC_exporter_gets_success_and_the_sink_counts_what_arrived()
    {
        using var source = new ActivitySource("sink-test");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "sink-test",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        var spans = Enumerable.Range(0, 3).Select(i =>
        {
            using var span = source.StartActivity($"span-{i}")!;
            span.SetTag("slug", $"s{i}");
            return span;
        }).ToArray();
        using var exporter = new OtlpTraceExporter(new OtlpExporterOptions { Endpoint = new Uri(_sink!.OtlpUrl), Protocol = OtlpExportProtocol.Grpc });
        var before = await _sink.StatsAsync(_http);

        var result = exporter.Export(new Batch<Activity>(spans, spans.Length));

        Assert.Equal(ExportResult.Success, result);
        var received = (await _sink.StatsAsync(_http))!.Since(before!);
        Assert.Equal(1, received.Traces);
        Assert.True(received.Bytes > 50, $"the export's body should have arrived, got {received.Bytes} bytes");
    }

    [Fact]
    public async Task An_unknown_path_is_not_taken_for_an_export()
    {
        using var http2 = new HttpClient { DefaultRequestVersion = System.Net.HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

        using var response = await http2.PostAsync(_sink!.OtlpUrl + "/opentelemetry.proto.collector.trace.v1.TraceService/Other", new ByteArrayContent([0, 0, 0, 0, 0]));

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(0, (await _sink.StatsAsync(_http))!.Exports);
    }
}
