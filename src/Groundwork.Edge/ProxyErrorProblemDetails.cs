using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Groundwork.Edge;

/// <summary>
/// The edge's own answers when the proxy could not get one from an app instance, as RFC 9457 problem details with the
/// status an ALB would give (400 for the client's unreadable request, 502/503/504 otherwise).
/// </summary>
internal static class ProxyErrorProblemDetails
{
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
}
