using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Groundwork.Api.Tests.Contract;

/// <summary>
/// Every (method, route template, status) any Api instance of this test process answered, recorded outside the whole
/// pipeline, so the statuses are the ones clients get. The contract test compares them with the OpenAPI document.
/// </summary>
public static class ObservedStatuses
{
    private static readonly ConcurrentDictionary<(string Method, string Route, int Status), int> Seen = new();

    public static IReadOnlyCollection<(string Method, string Route, int Status)> All => Seen.Keys.ToList();

    internal static void Record(string method, string route, int status) =>
        Seen.AddOrUpdate((method.ToUpperInvariant(), Normalize(route), status), 1, (_, n) => n + 1);

    /// <summary>Statuses each documented operation declares, by (METHOD, path).</summary>
    public static Dictionary<(string Method, string Path), HashSet<int>> Declared(JsonElement document) =>
        document.GetProperty("paths").EnumerateObject().SelectMany(path => path.Value.EnumerateObject()
                .Where(op => op.Name is "get" or "put" or "post" or "delete" or "patch" or "head" or "options")
                .Select(op => (Key: (op.Name.ToUpperInvariant(), path.Name), Op: op.Value)))
            .ToDictionary(o => o.Key, o => o.Op.GetProperty("responses").EnumerateObject()
                .Select(r => int.Parse(r.Name, System.Globalization.CultureInfo.InvariantCulture)).ToHashSet());

    /// <summary>"METHOD path status" for every status recorded so far on a documented operation that it does not declare.</summary>
    public static List<string> Undeclared(JsonElement document)
    {
        var declared = Declared(document);
        return All.Where(o => declared.TryGetValue((o.Method, o.Route), out var statuses) && !statuses.Contains(o.Status))
            .Select(o => $"{o.Method} {o.Route} {o.Status}").Order().ToList();
    }

    /// <summary>"/api/links/" (a group plus "/") is the document's "/api/links".</summary>
    public static string Normalize(string route) => "/" + route.Trim('/');
}

/// <summary>Installed first in every test instance's pipeline (ApiInstance).</summary>
internal sealed class ObservedStatusesStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, following) =>
        {
            try
            {
                await following(context);
            }
            finally
            {
                // The exception handler clears the endpoint before writing its problem (a 503); it keeps it in its feature.
                var endpoint = context.GetEndpoint() ?? context.Features.Get<IExceptionHandlerFeature>()?.Endpoint;
                if (endpoint is RouteEndpoint { RoutePattern.RawText: { } route })
                {
                    ObservedStatuses.Record(context.Request.Method, route, context.Response.StatusCode);
                }
            }
        });
        next(app);
    };
}
