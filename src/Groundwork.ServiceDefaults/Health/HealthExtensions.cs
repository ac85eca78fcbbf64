using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Groundwork.ServiceDefaults.Health;

/// <summary>
/// The two endpoints the ALB target group (and the local edge) probe. <c>/health/live</c>: the process answers.
/// <c>/health/ready</c>: the instance can serve, meaning the primary answers; a lost replica or Redis degrades the
/// instance (reported in the body) but keeps it in rotation, because reads and cache then fall back.
/// </summary>
public static class HealthExtensions
{
    private const string ReadyTag = "ready";

    public static IHostApplicationBuilder AddAlbHealthChecks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddCheck<PrimaryHealthCheck>("primary", HealthStatus.Unhealthy, [ReadyTag])
            .AddCheck<ReplicaHealthCheck>("replica", HealthStatus.Degraded, [ReadyTag])
            .AddCheck<RedisHealthCheck>("redis", HealthStatus.Degraded, [ReadyTag])
            .AddCheck<ShutdownHealthCheck>("accepting-traffic", HealthStatus.Unhealthy, [ReadyTag]);
        builder.Services.AddSingleton<ShutdownHealthCheck>();
        return builder;
    }

    public static IEndpointRouteBuilder MapAlbHealthChecks(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions
        {
            Predicate = _ => false,
            ResponseWriter = WriteAsync,
        }).DisableHttpMetrics();
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResponseWriter = WriteAsync,
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        }).DisableHttpMetrics();
        return endpoints;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        var body = new
        {
            status = report.Status.ToString(),
            version = Environment.GetEnvironmentVariable("GROUNDWORK_VERSION") ?? typeof(HealthExtensions).Assembly.GetName().Version?.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), detail = e.Value.Description }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }
}
