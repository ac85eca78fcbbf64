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
