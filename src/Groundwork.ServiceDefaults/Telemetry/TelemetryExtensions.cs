using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Groundwork.ServiceDefaults.Telemetry;

/// <summary>
/// OpenTelemetry traces, metrics and logs. One exporter for every environment: OTLP, pointed by
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> at the Aspire dashboard locally and at New Relic in AWS (whose
/// <c>api-key</c> header arrives in <c>OTEL_EXPORTER_OTLP_HEADERS</c> from Secrets Manager). No endpoint, no export.
/// </summary>
public static class TelemetryExtensions
{
    /// <summary>The meter and activity source of the app tier's own instruments (cache, replica routing, clicks).</summary>
    public const string SourceName = "Groundwork";

    public static IHostApplicationBuilder AddTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(SourceName, "ZiggyCreatures.Caching.Fusion"))
            .WithTracing(tracing => tracing
                // Head sampling: every request locally (the dashboard shows them all), a fraction in AWS
                // (Telemetry:TraceSampleRatio; 100k redirects/s unsampled would be 100k spans/s to New Relic).
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(TraceSampleRatio(builder))))
                // FusionCache's meter stays; its spans (one per cache call) would double the spans of every redirect
                // for no diagnostic value on a hit.
                .AddSource(builder.Environment.ApplicationName, SourceName, "MySqlConnector")
                // Health probes arrive every few seconds from the ALB: tracing them is noise.
                .AddAspNetCoreInstrumentation(o => o.Filter = ctx => !ctx.Request.Path.StartsWithSegments("/health"))
                .AddHttpClientInstrumentation());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }
        return builder;
    }

    private static double TraceSampleRatio(IHostApplicationBuilder builder) =>
        double.TryParse(builder.Configuration["Telemetry:TraceSampleRatio"], System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture, out var ratio) && ratio is >= 0 and <= 1
            ? ratio
            : 1.0;
}
