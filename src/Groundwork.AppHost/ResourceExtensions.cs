using Aspire.Hosting.ApplicationModel;

namespace Groundwork.AppHost;

internal static class ResourceExtensions
{
    /// <summary>
    /// Aspire asks apps to retry OTLP exports in memory; once the dashboard has gone (stack stopping) that makes each
    /// app take ~15 s to exit. Without it a stop takes ~1.5 s (measured, see shared platform notes).
    /// </summary>
    public static IResourceBuilder<T> WithoutOtlpRetry<T>(this IResourceBuilder<T> builder) where T : IResourceWithEnvironment =>
        builder.WithEnvironment(context => context.EnvironmentVariables.Remove("OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY"));

    /// <summary>
    /// Benchmark switch: with <c>GROUNDWORK_OTLP_SINK=http://127.0.0.1:port</c> in the AppHost's environment, the app
    /// exports its telemetry there (bench/Groundwork.Bench.OtlpSink, an OTLP/gRPC receiver that drops it, standing in
    /// for New Relic's off-box ingest) instead of to the Aspire dashboard, with the OpenTelemetry SDK's own defaults as
    /// the app servers' user data leaves them in AWS: gRPC, batch delays of 5 s, metrics every 60 s, no sampler override.
    /// Aspire's dashboard settings (1 s export intervals, always_on, extra log attributes) would otherwise be measured.
    /// Unset (./groundwork up): the dashboard receives everything.
    /// </summary>
    public static IResourceBuilder<T> WithOtlpSinkForBenchmarks<T>(this IResourceBuilder<T> builder) where T : IResourceWithEnvironment
    {
        var sink = Environment.GetEnvironmentVariable("GROUNDWORK_OTLP_SINK");
        if (string.IsNullOrWhiteSpace(sink))
        {
            return builder;
        }
        return builder.WithEnvironment(context =>
        {
            foreach (var dashboardOnly in new[]
            {
                "OTEL_METRIC_EXPORT_INTERVAL", "OTEL_BSP_SCHEDULE_DELAY", "OTEL_BLRP_SCHEDULE_DELAY", "OTEL_TRACES_SAMPLER",
                "OTEL_METRICS_EXEMPLAR_FILTER", "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_DOTNET_EXPERIMENTAL_OTLP_EMIT_EVENT_LOG_ATTRIBUTES",
                "OTEL_DOTNET_EXPERIMENTAL_OTLP_EMIT_EXCEPTION_LOG_ATTRIBUTES",
            })
            {
                context.EnvironmentVariables.Remove(dashboardOnly);
            }
            context.EnvironmentVariables["OTEL_EXPORTER_OTLP_ENDPOINT"] = sink;
            context.EnvironmentVariables["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc";
        });
    }

    /// <summary>
    /// <c>GROUNDWORK_API__Section__Key=value</c> in the AppHost's environment becomes <c>Section__Key=value</c> for
    /// every app instance: benchmarks and fault tests tune the app (e.g. <c>GROUNDWORK_API__Links__CacheRedirects=false</c>)
    /// without a code change.
    /// </summary>
    public static IResourceBuilder<T> WithPassThroughSettings<T>(this IResourceBuilder<T> builder) where T : IResourceWithEnvironment
    {
        const string prefix = "GROUNDWORK_API__";
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string key && key.StartsWith(prefix, StringComparison.Ordinal) && entry.Value is string value)
            {
                builder.WithEnvironment(key[prefix.Length..], value);
            }
        }
        return builder;
    }
}
