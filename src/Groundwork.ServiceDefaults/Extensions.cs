using Groundwork.ServiceDefaults.AlbIdentity;
using Groundwork.ServiceDefaults.Caching;
using Groundwork.ServiceDefaults.Data;
using Groundwork.ServiceDefaults.Errors;
using Groundwork.ServiceDefaults.ErrorTracking;
using Groundwork.ServiceDefaults.Health;
using Groundwork.ServiceDefaults.Proxying;
using Groundwork.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace Groundwork.ServiceDefaults;

/// <summary>
/// What every app server on this architecture needs, in one call each. Reads like the table of contents of
/// the app tier: each line is one concern with its own folder.
/// </summary>
public static class Extensions
{
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        builder.AddTelemetry();          // OpenTelemetry over OTLP (Aspire dashboard locally, New Relic in AWS)
        builder.AddProblemDetailsForEverything();
        builder.AddErrorTracking();      // Sentry when a DSN is configured (after: reports what problem details did not handle)
        builder.AddLoadBalancerForwarding();
        builder.AddPrimaryAndReplica();  // writes → primary, reads → replica with read-your-writes
        builder.AddSharedCache();        // FusionCache: memory L1 + Redis L2 + Redis backplane, fail-safe
        builder.AddAlbIdentity();        // admin authentication by the ALB's signed identity header
        builder.AddAlbHealthChecks();
        return builder;
    }

    /// <summary>Middleware in the order the ALB-facing app needs it.</summary>
    public static WebApplication UseServiceDefaults(this WebApplication app)
    {
        app.UseLoadBalancerForwarding();
        app.UseProblemDetailsForEverything();
        // No UseAuthentication: it would run the default scheme's handler on every request (a redirect too, to find no
        // identity header: ~5 % of a redirect's CPU under perf). The admin policy names the ALB identity scheme, so the
        // authorization middleware authenticates exactly the requests to endpoints that require it and sets User.
        app.UseAuthorization();
        return app;
    }

    /// <summary>The endpoints the ALB target group checks; mapped in every environment.</summary>
    public static IEndpointRouteBuilder MapDefaultEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapAlbHealthChecks();
        return endpoints;
    }
}
