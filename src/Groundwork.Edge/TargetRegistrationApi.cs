using System.Text.RegularExpressions;

namespace Groundwork.Edge;

/// <summary>The local stand-in for ELB RegisterTargets / DeregisterTargets (used by the deploy tool); loopback only.</summary>
internal static partial class TargetRegistrationApi
{
    internal sealed record RegisterTarget(string? Url);

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex TargetName();

    public static void MapTargetRegistrationApi(this IEndpointRouteBuilder app)
    {
        var targets = app.MapGroup("/_edge/targets").AddEndpointFilter<LoopbackOnly>();

        targets.MapGet("/", (TargetGroup group) => Results.Ok(group.List()));

        targets.MapPut("/{name}", (string name, RegisterTarget body, TargetGroup group) =>
        {
            if (!TargetName().IsMatch(name))
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid target name",
                    detail: "Use 1-64 letters, digits, '.', '_' or '-'.");
            }

            if (!Uri.TryCreate(body.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid target url",
                    detail: "url must be an absolute http or https URL.");
            }

            var added = group.Register(name, url.ToString());
            var status = group.List().Single(t => t.Name == name);
            return added ? Results.Created($"/_edge/targets/{name}", status) : Results.Ok(status);
        });

        targets.MapDelete("/{name}", async (string name, double? drainTimeoutSeconds, TargetGroup group,
            Microsoft.Extensions.Options.IOptions<EdgeOptions> options, CancellationToken cancellationToken) =>
        {
            var timeout = drainTimeoutSeconds is > 0 and < 3600 ? TimeSpan.FromSeconds(drainTimeoutSeconds.Value) : options.Value.DrainTimeout;
            return await group.DeregisterAsync(name, timeout, cancellationToken) is { } result
                ? Results.Ok(result)
                : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown target");
        });
    }
}
