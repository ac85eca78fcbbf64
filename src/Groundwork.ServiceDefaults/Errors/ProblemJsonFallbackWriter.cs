using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Groundwork.ServiceDefaults.Errors;

/// <summary>
/// ASP.NET Core's own problem writer declines when the client's Accept header excludes JSON (a browser's
/// <c>text/html</c>, <c>application/xml</c>): status code pages then fall back to a text/plain body, and an exception
/// handler that must write a problem fails outright. Registered after the default writer, this one takes every such
/// request, so every error leaves the app as application/problem+json whatever the client asked for (found by the
/// bad-input fuzz, tests/Groundwork.Faults.Tests).
/// </summary>
internal sealed class ProblemJsonFallbackWriter(IOptions<ProblemDetailsOptions> problemOptions, IOptions<JsonOptions> jsonOptions) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var response = context.HttpContext.Response;
        problem.Status ??= response.StatusCode;
        problem.Title ??= ReasonPhrases.GetReasonPhrase(problem.Status.Value);
        problemOptions.Value.CustomizeProblemDetails?.Invoke(context);
        return new ValueTask(response.WriteAsJsonAsync(problem, problem.GetType(), jsonOptions.Value.SerializerOptions, "application/problem+json", context.HttpContext.RequestAborted));
    }
}
