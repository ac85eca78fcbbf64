using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Groundwork.Edge;

/// <summary>
/// Proxy-pipeline steps around YARP's load balancing: a GET or HEAD whose target turned out dead (connection refused
/// or reset, no response) is sent once more to another healthy target, so a stopped instance costs no failed request
/// before the health checks notice it. Other methods are never retried (a POST may have been applied).
/// YARP has no built-in retry; re-invoking the rest of the pipeline is the pattern its maintainers describe (dotnet/yarp#56).
/// </summary>
internal static class DeadTargetRetry
{
    public static IReverseProxyApplicationBuilder UseRetryOnDeadTarget(this IReverseProxyApplicationBuilder pipeline)
    {
        pipeline.Use(async (context, next) =>
        {
            var proxy = context.GetReverseProxyFeature();
            var candidates = proxy.AvailableDestinations;

            await next();

            if (!IsRetryable(context) || proxy.ProxiedDestination is not { } failed)
            {
                return;
            }

            var others = candidates.Where(d => !ReferenceEquals(d, failed) && d.Health.Active != DestinationHealth.Unhealthy).ToList();
            if (others.Count == 0)
            {
                return;
            }

            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DeadTargetRetry))
                .LogWarning("{Method} {Path} failed on target {Target}; retrying once on another target", context.Request.Method, context.Request.Path, failed.DestinationId);
            context.Features.Set<IForwarderErrorFeature>(null);
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status200OK;
            proxy.AvailableDestinations = others;
            await next();
        });
        return pipeline;
    }

    private static bool IsRetryable(HttpContext context) =>
        (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
        && context.Request.ContentLength is null or 0
        && !context.Request.Headers.ContainsKey("Transfer-Encoding")
        && !context.Response.HasStarted
        && context.GetForwarderErrorFeature()?.Error == ForwarderError.Request
        && !context.RequestAborted.IsCancellationRequested;
}
