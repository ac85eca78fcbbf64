using System.Diagnostics;
using Sentry.Extensibility;
using Sentry.Protocol.Envelopes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Groundwork.ServiceDefaults.ErrorTracking;

/// <summary>
/// Error tracking with the self-hosted Sentry of the management VPC. Off unless <c>Sentry:Dsn</c> (or
/// <c>SENTRY_DSN</c>) is set, so tests send nothing anywhere. Locally, <c>Sentry:Spotlight</c> (set by the AppHost)
/// names Sentry's local tool, Spotlight (e.g. http://127.0.0.1:8969): the SDK then sends there and nowhere else.
/// </summary>
public static class SentryExtensions
{
    public static IHostApplicationBuilder AddErrorTracking(this IHostApplicationBuilder builder)
    {
        var dsn = builder.Configuration["Sentry:Dsn"] ?? builder.Configuration["SENTRY_DSN"];
        var spotlight = string.IsNullOrWhiteSpace(dsn) ? SpotlightUrl(builder.Configuration["Sentry:Spotlight"]) : null;
        if (spotlight is not null)
        {
            // The 6.x SDK does not start without a DSN (getsentry/sentry-dotnet#3481): a placeholder naming Spotlight,
            // and a transport that drops what would go to it, so Spotlight's own transport is the only sender.
            dsn = $"{spotlight.Scheme}://spotlight@{spotlight.Authority}/0";
        }
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
            // Traces go to New Relic over OTLP. With Sentry:SendTraces, Sentry also gets a transaction for exactly the
            // requests OpenTelemetry sampled (Telemetry:TraceSampleRatio), so both tools hold the same requests and the
            // sampling ratio is set in one place; without it Sentry gets errors only.
            if (builder.Configuration.GetValue<bool>("Sentry:SendTraces"))
            {
                options.TracesSampler = _ => Activity.Current is { Recorded: true } ? 1.0 : 0.0;
            }
            else
            {
                options.TracesSampleRate = 0;
            }
            if (spotlight is not null)
            {
                options.EnableSpotlight = true;
                options.SpotlightUrl = new Uri(spotlight, "/stream").ToString();
                options.Transport = new NoSentryServer();
            }
        });
        return builder;
    }

    /// <summary>The Spotlight URL (http or https, absolute), or null when it is not set or not a URL.</summary>
    public static Uri? SpotlightUrl(string? value) =>
        !string.IsNullOrWhiteSpace(value) && Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" ? url : null;

    /// <summary>
    /// The transport behind Spotlight's (the SDK wraps the configured transport in its Spotlight transport, which sends
    /// each envelope to Spotlight and then here): locally there is no Sentry server, so nothing more is sent.
    /// </summary>
    private sealed class NoSentryServer : ITransport
    {
        public Task SendEnvelopeAsync(Envelope envelope, CancellationToken cancellationToken = default) => Task.CompletedTask;
    }
}
