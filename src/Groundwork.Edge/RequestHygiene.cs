using System.Security.Cryptography;

namespace Groundwork.Edge;

/// <summary>
/// What the ALB does to every request before any rule: drops client-sent identity headers (only the ALB may set
/// x-amzn-oidc-*), and stamps an X-Amzn-Trace-Id. X-Forwarded-For/Proto/Host are added by the proxy.
/// </summary>
internal static class RequestHygiene
{
    public const string TraceHeader = "X-Amzn-Trace-Id";

    public static void UseRequestHygiene(this WebApplication app) =>
        app.Use((context, next) =>
        {
            // Nothing behind the ALB is a tunnel or echoes requests: refuse CONNECT and TRACE here, not with a 502 later.
            if (HttpMethods.IsConnect(context.Request.Method) || HttpMethods.IsTrace(context.Request.Method))
            {
                context.Response.Headers.Allow = "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS";
                return Results.Problem(statusCode: StatusCodes.Status405MethodNotAllowed, title: "Method not allowed",
                    detail: $"{context.Request.Method} is not served here.").ExecuteAsync(context);
            }
            AlbTokenIssuer.StripClientIdentityHeaders(context.Request.Headers);
            var headers = context.Request.Headers;
            var trace = NewTraceId();
            headers[TraceHeader] = headers.TryGetValue(TraceHeader, out var existing) && IsTraceId(existing.ToString())
                ? existing.ToString()
                : trace;
            headers["X-Forwarded-Port"] = context.Connection.LocalPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return next(context);
        });

    /// <summary>Root=1-{epoch seconds, 8 hex}-{96 random bits, 24 hex}, as the ALB writes it.</summary>
    internal static string NewTraceId() =>
        $"Root=1-{DateTimeOffset.UtcNow.ToUnixTimeSeconds():x8}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}";

    private static bool IsTraceId(string value) =>
        value.StartsWith("Root=1-", StringComparison.Ordinal) && value.Length <= 256 && !value.Any(char.IsControl);
}
