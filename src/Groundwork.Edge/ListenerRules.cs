namespace Groundwork.Edge;

/// <summary>
/// Applies the shared rules (Groundwork.Routing: the same evaluator the ALB's rules are emitted from) to each request, in front of the proxy: static paths go to the static site, fixed
/// responses are answered here, authenticated rules sign the user in and add the ALB's identity headers, and
/// whatever is forwarded continues to the target group.
/// </summary>
internal static class ListenerRules
{
    public const string EdgePathPrefix = "/_edge";

    public static void UseListenerRules(this WebApplication app)
    {
        var rules = app.Services.GetRequiredService<RoutingRules>();

        // The static branch gets CloudFront's compression; proxied responses pass through as the app sent them.
        app.UseWhen(
            context => Classify(context, rules) is RouteDecision.Static,
            branch =>
            {
                branch.UseResponseCompression();
                branch.Run(context => context.RequestServices.GetRequiredService<StaticSiteFiles>()
                    .ServeAsync(context, (RouteDecision.Static)context.Items[typeof(RouteDecision)]!));
            });

        app.Use(async (context, next) =>
        {
            switch (Classify(context, rules))
            {
                case null when context.GetEndpoint()?.Metadata.GetMetadata<Yarp.ReverseProxy.Model.RouteModel>() is not null:
                    // An unknown /_edge path: the edge's own namespace is never forwarded to the app.
                    await Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found").ExecuteAsync(context);
                    return;

                case null:
                    await next(context);
                    return;

                case RouteDecision.Fixed fixedResponse:
                    await Results.Problem(statusCode: fixedResponse.StatusCode, detail: $"Rule '{fixedResponse.RuleName}' answers this path at the edge.")
                        .ExecuteAsync(context);
                    return;

                case RouteDecision.Forward forward:
                    if (forward.Authenticate)
                    {
                        if (await SignIn.AuthenticateOrChallengeAsync(context) is not { } user)
                        {
                            return;
                        }

                        var email = user.FindFirst("email")?.Value ?? "";
                        var subject = user.FindFirst("sub")?.Value ?? SignIn.SubjectFor(email);
                        context.RequestServices.GetRequiredService<AlbTokenIssuer>().AddIdentityHeaders(context.Request.Headers, subject, email);
                    }

                    if (forward.Target != TargetGroup.ClusterId)
                    {
                        await Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "No targets",
                            detail: $"The target group '{forward.Target}' has no local stand-in.").ExecuteAsync(context);
                        return;
                    }

                    await next(context);
                    return;

                default:
                    await next(context);
                    return;
            }
        });
    }

    /// <summary>The route for this request (null for the edge's own /_edge endpoints), computed once per request.</summary>
    private static RouteDecision? Classify(HttpContext context, RoutingRules rules)
    {
        if (context.Items.TryGetValue(typeof(RouteDecision), out var known))
        {
            return known as RouteDecision;
        }

        var path = context.Request.Path.Value ?? "/";
        var route = path == EdgePathPrefix || path.StartsWith(EdgePathPrefix + "/", StringComparison.Ordinal)
            ? null
            : rules.Route(context.Request.Host.HasValue ? context.Request.Host.Host : "", path);
        context.Items[typeof(RouteDecision)] = route;
        return route;
    }
}
