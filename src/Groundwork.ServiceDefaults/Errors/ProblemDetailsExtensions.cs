using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Groundwork.ServiceDefaults.Errors;

/// <summary>
/// Every error leaves the app as RFC 9457 problem details: bad input is a 4xx with a clear detail, a dependency
/// that is down is a 503 with Retry-After, and nothing else is a 5xx.
/// </summary>
public static class ProblemDetailsExtensions
{
    public static IHostApplicationBuilder AddProblemDetailsForEverything(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Instance ??= context.HttpContext.Request.Path;
            var traceId = Activity.Current?.TraceId.ToString() ?? context.HttpContext.TraceIdentifier;
            context.ProblemDetails.Extensions["traceId"] = traceId;
        });
        // After AddProblemDetails, so the default writer still serves clients that accept JSON.
        builder.Services.AddSingleton<IProblemDetailsWriter, ProblemJsonFallbackWriter>();
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        builder.Services.AddExceptionHandler<DependencyDownExceptionHandler>();
        return builder;
    }

    public static WebApplication UseProblemDetailsForEverything(this WebApplication app)
    {
        app.UseExceptionHandler();
        // Bare status codes (404 for an unknown route, 405, 415...) get a problem body too.
        app.UseStatusCodePages();
        return app;
    }

    /// <summary>Writes a problem response (shared by the exception handlers and endpoints that need extra headers).</summary>
    public static ValueTask WriteProblemAsync(this HttpContext context, int status, string title, string? detail)
    {
        context.Response.StatusCode = status;
        var writer = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        return writer.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}

/// <summary>Framework-detected bad input (unreadable body, body too large, bad form) → its own 4xx.</summary>
internal sealed class BadRequestExceptionHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }
        var title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Bad request";
        await context.WriteProblemAsync(bad.StatusCode, title, bad.Message);
        return true;
    }
}

/// <summary>
/// A dependency the request cannot do without (the primary for a write) is down or too slow: say so with 503 and
/// Retry-After, quickly, instead of a 500. Clients and the edge know a 503 is safe to retry later.
/// </summary>
internal sealed class DependencyDownExceptionHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (DependencyFailure.Classify(exception) is not { } failure)
        {
            return false;
        }
        context.Response.Headers.RetryAfter = failure.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await context.WriteProblemAsync(failure.Status, failure.Title, failure.Detail);
        return true;
    }
}
