using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Http;

namespace Groundwork.ServiceDefaults.Tests.Platform;

/// <summary>
/// An app server built with nothing but AddServiceDefaults, on Kestrel, with its primary unreachable, exporting to
/// fake (real-protocol) New Relic OTLP and Sentry endpoints.
/// </summary>
public sealed class ServiceDefaultsAppTests
{
    /// <summary>A DSN naming the fake Sentry (project 42): the SDK posts envelopes to /api/42/envelope/.</summary>
    private static string DsnOf(FakeCollector sentry) =>
        new UriBuilder(sentry.Url) { UserName = "publickey", Path = "/42" }.Uri.ToString().TrimEnd('/');

    private static async Task<(WebApplication App, HttpClient Client)> StartAsync(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        settings.TryAdd("ConnectionStrings:primary", "Server=127.0.0.1;Port=1;User ID=app;Password=none;Database=groundwork");
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddServiceDefaults();
        var app = builder.Build();
        app.UseServiceDefaults();
        app.MapDefaultEndpoints();
        app.MapGet("/boom", string (ILogger<ServiceDefaultsAppTests> log) =>
        {
            log.LogInformation("an information before the bug");
            log.LogWarning("a warning before the bug");
            throw new InvalidProgramException("a bug");
        });
        app.MapGet("/later", string () => throw new NotSupportedException("a later bug"));
        app.MapGet("/bad", string () => throw new BadHttpRequestException("unreadable", StatusCodes.Status400BadRequest));
        app.MapGet("/down", string () => throw new Groundwork.ServiceDefaults.Errors.DatabaseUnavailableException("the primary is down"));
        app.MapGet("/ok", () => "ok");
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new HttpClient { BaseAddress = new Uri(url) });
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("lots")]
    public async Task A_memory_cache_without_room_for_one_entry_is_refused_at_startup_with_the_setting_named(string limit)
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(new() { ["Cache:MemoryEntryLimit"] = limit }));
        Assert.Contains("Cache:MemoryEntryLimit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readiness_fails_when_the_primary_is_unreachable_while_liveness_holds()
    {
        var (app, client) = await StartAsync([]);
        await using var _ = app;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        var ready = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var body = await ready.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Unhealthy", body.GetProperty("checks").GetProperty("primary").GetProperty("status").GetString());
        Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("redis").GetProperty("status").GetString()); // none configured
    }

    [Fact]
    public async Task An_unhandled_exception_is_a_problem_details_500_and_reaches_sentry_with_the_trace_id()
    {
        await using var sentry = await FakeCollector.StartAsync();
        var dsn = DsnOf(sentry);
        var (app, client) = await StartAsync(new() { ["Sentry:Dsn"] = dsn });
        await using var _ = app;

        var response = await client.GetAsync("/boom");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var traceId = problem.GetProperty("traceId").GetString()!;
        Assert.DoesNotContain("a bug", problem.ToString()); // no exception details leak to clients

        var received = await sentry.WaitForAsync(r => r.Path.Contains("/api/42/envelope")
            && Encoding.UTF8.GetString(r.Body) is var text && text.Contains("InvalidProgramException") && text.Contains(traceId), TimeSpan.FromSeconds(15));
        Assert.True(received, $"no Sentry envelope with the exception and trace id {traceId}; got {sentry.Requests.Count} requests");
    }

    [Fact]
    public async Task Only_an_error_that_ends_in_a_500_is_an_event_once_with_its_request_and_the_warnings_before_it()
    {
        await using var sentry = await FakeCollector.StartAsync();
        var dsn = DsnOf(sentry);
        var (app, client) = await StartAsync(new() { ["Sentry:Dsn"] = dsn });
        await using var _ = app;

        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/bad")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/down")).StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, (await client.GetAsync("/boom?secret=1")).StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, (await client.GetAsync("/later")).StatusCode);
        // The SDK sends in order: once the later error has arrived, everything before it has too.
        Assert.True(await sentry.WaitForAsync(r => Encoding.UTF8.GetString(r.Body).Contains("NotSupportedException"), TimeSpan.FromSeconds(15)),
            "the later error never reached Sentry");

        var bodies = sentry.Requests.Select(r => Encoding.UTF8.GetString(r.Body)).ToArray();
        Assert.DoesNotContain(bodies, b => b.Contains("BadHttpRequestException")); // a 4xx is the client's, not a bug
        Assert.DoesNotContain(bodies, b => b.Contains("DatabaseUnavailableException")); // a 503 is an outage, seen in health and metrics
        var boom = Assert.Single(bodies, b => b.Contains("InvalidProgramException")); // not again from the handler's log
        var evt = JsonDocument.Parse(boom.Split('\n').Single(line => line.Contains("\"exception\""))).RootElement;
        Assert.Equal("GET", evt.GetProperty("request").GetProperty("method").GetString());
        var url = new Uri(evt.GetProperty("request").GetProperty("url").GetString()!);
        Assert.Equal("/boom", url.AbsolutePath);
        Assert.Empty(url.Query); // a query string may hold anything; it stays out
        Assert.Equal("GET /boom", evt.GetProperty("transaction").GetString());
        var mechanism = evt.GetProperty("exception").GetProperty("values")[0].GetProperty("mechanism");
        Assert.False(mechanism.GetProperty("handled").GetBoolean()); // shown in Sentry as unhandled: the request failed
        var crumbs = evt.GetProperty("breadcrumbs").EnumerateArray().Select(c => c.GetProperty("message").GetString()).ToArray();
        Assert.Contains("a warning before the bug", crumbs);
        Assert.DoesNotContain("an information before the bug", crumbs); // Information logs are New Relic's
    }

    [Fact]
    public async Task With_only_a_spotlight_url_errors_go_to_spotlights_stream_and_nowhere_else()
    {
        // Spotlight's side of the SDK's Spotlight transport: POST /stream with the envelope content type.
        await using var spotlight = await FakeCollector.StartAsync();
        var (app, client) = await StartAsync(new() { ["Sentry:Spotlight"] = spotlight.Url });
        await using var _ = app;

        Assert.Equal(HttpStatusCode.InternalServerError, (await client.GetAsync("/boom")).StatusCode);

        var received = await spotlight.WaitForAsync(r => r.Path == "/stream"
            && r.Headers.GetValueOrDefault("Content-Type", "").StartsWith("application/x-sentry-envelope", StringComparison.Ordinal)
            && Encoding.UTF8.GetString(r.Body).Contains("InvalidProgramException"), TimeSpan.FromSeconds(15));
        Assert.True(received, $"no envelope on Spotlight's /stream; got {string.Join(", ", spotlight.Requests.Select(r => r.Path))}");
        // The placeholder DSN (the SDK needs one) is never sent to: Spotlight's transport is the only sender.
        Assert.DoesNotContain(spotlight.Requests, r => r.Path.Contains("/envelope", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("true", "1", true)]   // sampled by OpenTelemetry: Sentry gets the transaction too
    [InlineData("true", "0", false)]  // not sampled: neither tool holds it
    [InlineData("false", "1", false)] // errors only
    public async Task Sentry_gets_a_transaction_for_exactly_the_requests_opentelemetry_samples(string sendTraces, string ratio, bool expected)
    {
        await using var sentry = await FakeCollector.StartAsync();
        await using var newRelic = await FakeCollector.StartAsync();
        var dsn = DsnOf(sentry);
        var (app, client) = await StartAsync(new()
        {
            ["Sentry:Dsn"] = dsn,
            ["Sentry:SendTraces"] = sendTraces,
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = newRelic.Url,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["Telemetry:TraceSampleRatio"] = ratio,
        });
        await using (app)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/ok")).StatusCode);
            // An error afterwards is always sent: once it has arrived, a transaction sent before it has arrived too.
            Assert.Equal(HttpStatusCode.InternalServerError, (await client.GetAsync("/boom")).StatusCode);
            Assert.True(await sentry.WaitForAsync(r => Encoding.UTF8.GetString(r.Body).Contains("InvalidProgramException"), TimeSpan.FromSeconds(15)),
                "the error never reached Sentry");
        }
        var transaction = sentry.Requests.Any(r => Encoding.UTF8.GetString(r.Body) is var text
            && text.Contains("\"type\":\"transaction\"") && text.Contains("/ok"));
        Assert.Equal(expected, transaction);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not a url")]
    [InlineData("ftp://127.0.0.1:8969")]
    public void A_missing_or_unusable_spotlight_url_leaves_error_tracking_off(string? value) =>
        Assert.Null(Groundwork.ServiceDefaults.ErrorTracking.SentryExtensions.SpotlightUrl(value));

    [Fact]
    public async Task Traces_are_exported_over_otlp_with_the_configured_api_key_header()
    {
        await using var newRelic = await FakeCollector.StartAsync();
        // As on the app servers: the license key arrives as an environment variable (from Secrets Manager).
        Environment.SetEnvironmentVariable("OTEL_EXPORTER_OTLP_HEADERS", "api-key=test-license-key");
        var (app, client) = await StartAsync(new()
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = newRelic.Url,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_SERVICE_NAME"] = "groundwork-api-test",
        });
        await using var _ = app;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/ok")).StatusCode);

        var exported = await newRelic.WaitForAsync(r => r.Path == "/v1/traces" && Encoding.UTF8.GetString(r.Body).Contains("/ok"), TimeSpan.FromSeconds(15));
        Assert.True(exported, $"no OTLP export of the request's trace; got {string.Join(", ", newRelic.Requests.Select(r => r.Path).Distinct())}");
        Assert.All(newRelic.Requests, r => Assert.Equal("test-license-key", r.Headers.GetValueOrDefault("api-key")));
    }

    [Fact]
    public async Task Trace_sampling_ratio_zero_exports_no_request_spans()
    {
        await using var newRelic = await FakeCollector.StartAsync();
        // What Aspire sets on every project it runs: the configured ratio must still win.
        Environment.SetEnvironmentVariable("OTEL_TRACES_SAMPLER", "always_on");
        var (app, client) = await StartAsync(new()
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = newRelic.Url,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
            ["Telemetry:TraceSampleRatio"] = "0",
        });
        await using (app)
        {
            for (var i = 0; i < 20; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/ok")).StatusCode);
            }
            await Task.Delay(1500); // several export intervals
        } // disposing flushes whatever the exporter still holds
        Assert.DoesNotContain(newRelic.Requests, r => r.Path == "/v1/traces" && Encoding.UTF8.GetString(r.Body).Contains("/ok"));
    }

    [Fact]
    public async Task Without_an_endpoint_or_dsn_nothing_is_exported_and_requests_work()
    {
        var (app, client) = await StartAsync([]);
        await using var _ = app;
        Assert.Equal("ok", await client.GetStringAsync("/ok"));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/nope/nope")).StatusCode);
        var notFound = await client.GetAsync("/nope/nope");
        Assert.Equal("application/problem+json", notFound.Content.Headers.ContentType?.MediaType);
    }
}
