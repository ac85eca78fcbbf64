using System.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace Groundwork.ServiceDefaults.ErrorTracking;

/// <summary>
/// Error tracking with the self-hosted Sentry of the management VPC. Off unless <c>Sentry:Dsn</c> (or
/// <c>SENTRY_DSN</c>) is set, so local runs and tests send nothing anywhere.
/// </summary>
public static class SentryExtensions
{
    public static IHostApplicationBuilder AddErrorTracking(this IHostApplicationBuilder builder)
    {
        var dsn = builder.Configuration["Sentry:Dsn"] ?? builder.Configuration["SENTRY_DSN"];
        if (string.IsNullOrWhiteSpace(dsn) || builder is not WebApplicationBuilder web)
        {
            return builder;
        }
        web.WebHost.UseSentry(options =>
        {
            options.Dsn = dsn;
            options.Release = builder.Configuration["Groundwork:Version"];
            options.Environment = builder.Environment.EnvironmentName;
            // Errors carry the request's W3C trace id, so an event in Sentry links to the trace in New Relic.
            options.SetBeforeSend(evt =>
            {
                if (Activity.Current is { } activity)
                {
                    evt.SetTag("trace_id", activity.TraceId.ToString());
                }
                return evt;
            });
            options.SendDefaultPii = false;
            options.TracesSampleRate = 0; // traces go to OTLP; Sentry gets errors only
        });
        return builder;
    }
}
