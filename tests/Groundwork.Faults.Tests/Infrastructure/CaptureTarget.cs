using System.Collections.Concurrent;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Groundwork.Workspace;

namespace Groundwork.Faults.Tests.Infrastructure;

/// <summary>
/// A target registered with the edge next to the real instances (through its loopback registration API, as the deploy
/// tool does) that records the headers of every request it receives: what an instance would see. It proves that
/// client-sent identity headers never get through, and yields genuine edge-signed tokens for replay attacks.
/// </summary>
public sealed class CaptureTarget : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _edge;
    private readonly ConcurrentQueue<IReadOnlyDictionary<string, string>> _seen = new();

    private CaptureTarget(WebApplication app, HttpClient edge)
    {
        _app = app;
        _edge = edge;
    }

    public const string Name = "capture";

    public IReadOnlyCollection<IReadOnlyDictionary<string, string>> Seen => _seen;

    public static async Task<CaptureTarget> RegisterAsync(FaultStack stack)
    {
        var port = FreePorts.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var capture = new CaptureTarget(app, stack.CreateEdgeClient());
        app.MapGet("/health/ready", () => Results.Ok());
        app.Run(context =>
        {
            capture._seen.Enqueue(context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()));
            return Results.Json(new { captured = true }, statusCode: 200).ExecuteAsync(context);
        });
        await app.StartAsync();
        var registered = await capture._edge.PutAsJsonAsync($"/_edge/targets/{Name}", new { url = $"http://127.0.0.1:{port}" });
        registered.EnsureSuccessStatusCode();
        // In rotation once the edge's active health check saw it healthy.
        for (var i = 0; i < 100; i++)
        {
            var targets = await stack.EdgeTargetsAsync();
            if (targets.EnumerateArray().Any(t => t.GetProperty("name").GetString() == Name && t.GetProperty("activeHealth").GetString() == "Healthy"))
            {
                break;
            }
            await Task.Delay(100);
        }
        return capture;
    }

    /// <summary>Sends <paramref name="send"/> until the capture target has received one request with <paramref name="header"/>.</summary>
    public async Task<string> CaptureHeaderAsync(Func<Task> send, string header)
    {
        for (var i = 0; i < 60; i++)
        {
            var before = _seen.Count;
            await send();
            var hit = _seen.Skip(before).FirstOrDefault(h => h.ContainsKey(header));
            if (hit is not null)
            {
                return hit[header];
            }
        }
        throw new InvalidOperationException($"The capture target never received a request carrying {header}.");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _edge.DeleteAsync($"/_edge/targets/{Name}?drainTimeoutSeconds=1");
        }
        finally
        {
            _edge.Dispose();
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
