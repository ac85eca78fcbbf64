using System.Net;

namespace Groundwork.Edge;

/// <summary>Control endpoints (target registration, key rotation) answer only to clients on this machine.</summary>
internal sealed class LoopbackOnly : IEndpointFilter
{
    public static bool IsLoopback(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } address && IPAddress.IsLoopback(address);

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        IsLoopback(context.HttpContext)
            ? next(context)
            : ValueTask.FromResult<object?>(Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Loopback clients only"));
}
