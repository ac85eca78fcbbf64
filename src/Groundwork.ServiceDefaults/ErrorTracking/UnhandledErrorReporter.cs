using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Groundwork.ServiceDefaults.ErrorTracking;

/// <summary>
/// Reports to Sentry an exception no other handler turned into a 4xx or a 503, i.e. one that ends in a 500, with the
/// request it broke (method, URL without the query string, route) and hands it on: it never writes the response.
/// Registered after the problem-details handlers (<see cref="Extensions.AddServiceDefaults"/> calls
/// <c>AddErrorTracking</c> after them), which the exception handler middleware asks first.
/// </summary>
internal sealed class UnhandledErrorReporter(IHub hub) : IExceptionHandler
{
    public ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            return ValueTask.FromResult(false); // the client went away: not an error of ours
        }
        var request = context.Request;
        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
        // Sentry's own flag (the event shows as unhandled): the request failed, whatever caught the exception.
        exception.SetSentryMechanism(nameof(UnhandledErrorReporter), "An exception no handler turned into a 4xx or 503: the request ended in a 500.", handled: false);
        hub.CaptureException(exception, scope =>
        {
            scope.Request.Method = request.Method;
            scope.Request.Url = $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}";
            scope.TransactionName = $"{request.Method} {route ?? request.Path.Value}";
        });
        return ValueTask.FromResult(false);
    }
}
