using System.Globalization;
using Microsoft.AspNetCore.ResponseCompression;

namespace Groundwork.Edge;

/// <summary>
/// The local edge: CloudFront + ALB + Cognito on one port. Read top to bottom, this is the request path.
/// </summary>
public static class EdgeApp
{
    /// <summary>Builds the edge; <paramref name="configure"/> lets tests and the AppHost add configuration before it is read.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (Environment.GetEnvironmentVariable("GROUNDWORK_EDGE_PORT") is { Length: > 0 } port)
        {
            builder.Configuration.AddInMemoryCollection([new("Edge:Port", port)]);
        }

        configure?.Invoke(builder);

        var edge = builder.Configuration.GetSection(EdgeOptions.Section).Get<EdgeOptions>() ?? new EdgeOptions();
        builder.WebHost.UseUrls($"http://127.0.0.1:{edge.Port.ToString(CultureInfo.InvariantCulture)}");
        builder.Services.Configure<EdgeOptions>(builder.Configuration.GetSection(EdgeOptions.Section));
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton(TimeProvider.System);

        // The rules (config/routing.json, shared with the ALB in src/Groundwork.Infra).
        var routingFile = edge.RoutingFile ?? RoutingRules.LocateFile(builder.Environment.ContentRootPath);
        builder.Services.AddSingleton(RoutingRules.Load(routingFile));

        // CloudFront: the static site, compressed.
        builder.Services.AddSingleton<StaticSiteFiles>();
        builder.Services.AddResponseCompression(o =>
        {
            o.EnableForHttps = true;
            o.Providers.Add<BrotliCompressionProvider>();
            o.Providers.Add<GzipCompressionProvider>();
        });

        // Cognito: sign-in, session cookie, and the ALB's signed identity header.
        builder.Services.AddEdgeSignIn(edge.Oidc);
        builder.Services.AddSingleton<AlbTokenIssuer>();

        // The ALB target group: YARP with health checks, retry of idempotent requests, draining deregistration.
        TargetGroup.AddTargetGroup(builder.Services, edge);

        var app = builder.Build();
        app.Services.GetRequiredService<TargetGroup>(); // applies Edge:Targets before the first request

        app.UseRequestHygiene();
        app.UseListenerRules();
        app.MapEdgeSignIn();
        app.MapAlbKeys();
        app.MapTargetRegistrationApi();
        app.MapGet("/_edge/health", () => Results.Text("ok"));
        app.MapReverseProxy(pipeline =>
        {
            pipeline.UseProblemDetailsForProxyErrors();
            pipeline.UseRetryOnDeadTarget();
            pipeline.UseLoadBalancing();
            pipeline.UsePassiveHealthChecks();
        });
        return app;
    }
}

internal static class Program
{
    private static void Main(string[] args) => EdgeApp.Build(args).Run();
}
