using System.Diagnostics;
using Sentry.Extensibility;
using Sentry.Extensions.Logging;
using Sentry.Protocol.Envelopes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Groundwork.ServiceDefaults.ErrorTracking;

/// <summary>
/// Error tracking with the self-hosted Sentry of the management VPC. Off unless <c>Sentry:Dsn</c> (or
/// <c>SENTRY_DSN</c>) is set, so tests send nothing anywhere. Locally, <c>Sentry:Spotlight</c> (set by the AppHost)
/// names Sentry's local tool, Spotlight (e.g. http://127.0.0.1:8969): the SDK then sends there and nowhere else.
/// </summary>
/// <remarks>
/// Errors only by default, with nothing on the path of a request that succeeds: the SDK through its logging
/// integration (error logs become events, warnings their breadcrumbs) and <see cref="UnhandledErrorReporter"/> for the
/// requests that end in a 500. Sentry's ASP.NET Core integration (<c>UseSentry</c>) pushes a Sentry scope, starts a
/// transaction and turns every Information log into a breadcrumb on every request, which measured 45–70 µs of CPU per
/// redirect against the app's own ~22 µs (docs/performance.md); it is used only with <c>Sentry:SendTraces</c>, which
/// needs its transactions.
/// </remarks>
public static class SentryExtensions
{
    /// <summary>Logs of these categories never reach Sentry: the per-request hosting logs and logging scope (each scope
    /// would be a Sentry scope pushed per request), and the exception handler's log of an error
    /// <see cref="UnhandledErrorReporter"/> already reported with its request.</summary>
    internal static readonly string[] CategoriesKeptFromSentry =
        ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Diagnostics.ExceptionHandlerMiddleware"];

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
        var configure = ConfigureSdk(builder, dsn, spotlight);
        // Traces go to New Relic over OTLP. With Sentry:SendTraces, Sentry also gets a transaction for exactly the
        // requests OpenTelemetry sampled (Telemetry:TraceSampleRatio), so both tools hold the same requests and the
        // sampling ratio is set in one place. That needs Sentry's ASP.NET Core integration and its per-request cost.
        if (builder.Configuration.GetValue<bool>("Sentry:SendTraces"))
        {
            web.WebHost.UseSentry(options =>
            {
                configure(options);
                options.TracesSampler = _ => Activity.Current is { Recorded: true } ? 1.0 : 0.0;
            });
            return builder;
        }
        builder.Logging.AddSentry(configure);
        // More specific than the SDK's own rule for its providers (alias "Sentry"), which lets every category through
        // whatever Logging:LogLevel says.
        builder.Services.Configure<LoggerFilterOptions>(filters =>
        {
            foreach (var category in CategoriesKeptFromSentry)
            {
                filters.Rules.Add(new LoggerFilterRule("Sentry", category, LogLevel.None, filter: null));
            }
        });
        builder.Services.AddExceptionHandler<UnhandledErrorReporter>();
        return builder;
    }

    private static Action<SentryLoggingOptions> ConfigureSdk(IHostApplicationBuilder builder, string dsn, Uri? spotlight) => options =>
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
        // Warnings and errors as an event's breadcrumbs; Information logs (every request's, at the SDK's default) went
        // into every request's scope and cost more CPU than the request itself. The logs themselves go to New Relic.
        options.MinimumBreadcrumbLevel = builder.Configuration.GetValue("Sentry:MinimumBreadcrumbLevel", LogLevel.Warning);
        options.MinimumEventLevel = LogLevel.Error;
        if (spotlight is not null)
        {
            options.EnableSpotlight = true;
            options.SpotlightUrl = new Uri(spotlight, "/stream").ToString();
            options.Transport = new NoSentryServer();
        }
    };

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
