using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Groundwork.Edge;

/// <summary>
/// Proxy-pipeline steps around YARP's load balancing: a GET or HEAD whose target turned out dead (connection refused
/// or reset, no response) is sent once more to another healthy target, so a stopped instance costs no failed request
/// before the health checks notice it. Other methods are never retried (a POST may have been applied).
/// YARP has no built-in retry; re-invoking the rest of the pipeline is the pattern its maintainers describe (dotnet/yarp#56).
/// </summary>
internal static class Retry
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

            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(Retry))
                .LogWarning("{Method} {Path} failed on target {Target}; retrying once on another target", context.Request.Method, context.Request.Path, failed.DestinationId);
            context.Features.Set<IForwarderErrorFeature>(null);
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status200OK;
            proxy.AvailableDestinations = others;
            await next();
        });
        return pipeline;
    }

    /// <summary>Failures that YARP answered itself (502/503/504 without a body) become RFC 9457 problem details.</summary>
    public static IReverseProxyApplicationBuilder UseProblemDetailsForProxyErrors(this IReverseProxyApplicationBuilder pipeline)
    {
        pipeline.Use(async (context, next) =>
        {
            await next();
            if (context.GetForwarderErrorFeature() is not { } error || context.Response.HasStarted)
            {
                return;
            }

            var (status, title) = error.Error switch
            {
                // The client's own request was unreadable (e.g. an invalid chunk size): its fault, as the ALB says with a 400.
                _ when IsClientFault(error) => (StatusCodes.Status400BadRequest, "Bad request"),
                ForwarderError.NoAvailableDestinations => (StatusCodes.Status503ServiceUnavailable, "No healthy target"),
                ForwarderError.RequestTimedOut => (StatusCodes.Status504GatewayTimeout, "Target timed out"),
                _ => (StatusCodes.Status502BadGateway, "Target failed"),
            };
            await Results.Problem(statusCode: status, title: title, detail: $"The edge could not get a response from the app ({error.Error}).")
                .ExecuteAsync(context);
        });
        return pipeline;
    }

    private static bool IsClientFault(IForwarderErrorFeature error)
    {
        if (error.Error is ForwarderError.RequestBodyClient or ForwarderError.RequestCanceled)
        {
            return true;
        }
        for (var e = error.Exception; e is not null; e = e.InnerException)
        {
            if (e is BadHttpRequestException)
            {
                return true;
            }
        }
        return false;
    }

    private static bool IsRetryable(HttpContext context) =>
        (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
        && context.Request.ContentLength is null or 0
        && !context.Request.Headers.ContainsKey("Transfer-Encoding")
        && !context.Response.HasStarted
        && context.GetForwarderErrorFeature()?.Error == ForwarderError.Request
        && !context.RequestAborted.IsCancellationRequested;
}
