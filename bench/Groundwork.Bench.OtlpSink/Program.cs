using System.Globalization;
using Microsoft.AspNetCore.Server.Kestrel.Core;

// The benchmark's OTLP sink: accepts OpenTelemetry exports over OTLP/gRPC (the protocol the app servers use in AWS:
// user data sets no OTEL_EXPORTER_OTLP_PROTOCOL, so the .NET exporter's default, gRPC, talks to New Relic) and drops
// them. Each export gets the real success response: HTTP/2 200, content-type application/grpc, one length-prefixed
// empty Export*ServiceResponse message (5 bytes: no compression, length 0), trailer grpc-status 0. An empty response
// means "all accepted" in OTLP (no partial_success). Nothing is decoded: New Relic's ingest runs off the app servers, so
// the sink must cost next to nothing on the cores the benchmark measures.
// It also stands in for the self-hosted Sentry the app servers' DSN names in AWS: Sentry's envelope endpoint, answered
// as Sentry answers (200 with the event id) and dropped, so the instances run their Sentry SDK with a DSN as in AWS.
// Usage: Groundwork.Bench.OtlpSink <otlp-port> <stats-port>
//   <otlp-port>   OTLP/gRPC, HTTP/2 without TLS (as the Aspire dashboard's OTLP endpoint locally)
//   <stats-port>  HTTP/1.1: GET /stats -> {"exports":N,"bytes":N,"traces":N,"metrics":N,"logs":N,"sentryEnvelopes":N},
//                 so the benchmark can check that telemetry really arrived (a sink nobody reaches would look free);
//                 POST /api/{project}/envelope/ -> Sentry's envelope endpoint (DSN http://key@127.0.0.1:<stats-port>/1)
var otlpPort = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 4317;
var statsPort = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 4319;
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.Listen(System.Net.IPAddress.Loopback, otlpPort, o => o.Protocols = HttpProtocols.Http2);
    kestrel.Listen(System.Net.IPAddress.Loopback, statsPort, o => o.Protocols = HttpProtocols.Http1);
    // OTLP batches are up to a few MB (512 spans, or a metrics export of every instrument).
    kestrel.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
});

var counts = new SinkCounts();
var app = builder.Build();
byte[] emptyMessage = [0, 0, 0, 0, 0];

// The three OTLP services: opentelemetry.proto.collector.{trace,metrics,logs}.v1.{Trace,Metrics,Logs}Service/Export.
app.MapPost("/opentelemetry.proto.collector.{signal}.v1.{service}/Export", async (HttpContext context, string signal) =>
{
    var received = await Drain(context.Request.Body, context.RequestAborted);
    counts.Add(signal, received);
    context.Response.StatusCode = 200;
    context.Response.ContentType = "application/grpc";
    await context.Response.Body.WriteAsync(emptyMessage, context.RequestAborted);
    context.Response.AppendTrailer("grpc-status", "0");
});
// Sentry's ingest: POST /api/<project>/envelope/ (gzip or plain; not decoded), answered {"id": ...} as Sentry does.
app.MapPost("/api/{project}/envelope", async (HttpContext context) =>
{
    await Drain(context.Request.Body, context.RequestAborted);
    counts.AddSentryEnvelope();
    return Results.Json(new { id = Guid.NewGuid().ToString("N") });
});
app.MapGet("/stats", () => Results.Json(counts.Snapshot()));
app.Run();

static async Task<long> Drain(Stream body, CancellationToken cancellationToken)
{
    var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
    try
    {
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += read;
        }
        return total;
    }
    finally
    {
        System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
    }
}

/// <summary>How many exports and bytes arrived, per signal.</summary>
internal sealed class SinkCounts
{
    private long _exports, _bytes, _traces, _metrics, _logs, _sentryEnvelopes;

    /// <summary>Counted apart: <c>Bytes</c> is OTLP's only (scenario 1 reports it as OTLP bytes per request).</summary>
    public void AddSentryEnvelope() => Interlocked.Increment(ref _sentryEnvelopes);

    public void Add(string signal, long bytes)
    {
        Interlocked.Increment(ref _exports);
        Interlocked.Add(ref _bytes, bytes);
        switch (signal)
        {
            case "trace":
                Interlocked.Increment(ref _traces);
                break;
            case "metrics":
                Interlocked.Increment(ref _metrics);
                break;
            case "logs":
                Interlocked.Increment(ref _logs);
                break;
        }
    }

    public SinkStats Snapshot() => new(Interlocked.Read(ref _exports), Interlocked.Read(ref _bytes), Interlocked.Read(ref _traces), Interlocked.Read(ref _metrics), Interlocked.Read(ref _logs), Interlocked.Read(ref _sentryEnvelopes));
}

internal sealed record SinkStats(long Exports, long Bytes, long Traces, long Metrics, long Logs, long SentryEnvelopes);
