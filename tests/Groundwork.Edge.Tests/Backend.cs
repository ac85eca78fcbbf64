using System.Collections.Concurrent;
using System.Security.Claims;
using Groundwork.ServiceDefaults.AlbIdentity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Groundwork.Edge.Tests;

/// <summary>
/// A throw-away app instance on real Kestrel (127.0.0.1), speaking the app tier's contract to the edge:
/// /health/ready, /health/live, and an echo of whatever it receives. It can be stopped and started again on the same port.
/// </summary>
internal sealed class Backend : IAsyncDisposable
{
    private readonly IDictionary<string, string?>? albIdentity;
    private WebApplication? app;
    private int requests;

    private Backend(string name, IDictionary<string, string?>? albIdentity)
    {
        Name = name;
        this.albIdentity = albIdentity;
    }

    public string Name { get; }

    public int Port { get; private set; }

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Requests received other than health probes.</summary>
    public int Requests => Volatile.Read(ref requests);

    /// <summary>Set when a /slow request arrives; the request then waits for <see cref="ReleaseSlow"/>.</summary>
    public TaskCompletionSource SlowStarted { get; private set; } = NewSignal();

    private TaskCompletionSource slowRelease = NewSignal();

    public ConcurrentQueue<IDictionary<string, string>> ReceivedHeaders { get; } = new();

    /// <summary>When set, the instance accepts requests and drops the connection without answering (a crashing process).</summary>
    public bool ResetConnections { get; set; }

    /// <summary>An instance that also verifies the ALB identity header exactly as the Api does (AddAlbIdentity).</summary>
    public static Task<Backend> StartAsync(string name, IDictionary<string, string?>? albIdentity = null) =>
        StartOnAsync(new Backend(name, albIdentity), 0);

    public void ReleaseSlow() => slowRelease.TrySetResult();

    public async Task StopAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
            app = null;
        }
    }

    public async Task RestartAsync()
    {
        await StopAsync();
        await StartOnAsync(this, Port);
    }

    private static async Task<Backend> StartOnAsync(Backend backend, int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        if (backend.albIdentity is { } settings)
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.AddAlbIdentity();
        }

        var app = builder.Build();
        app.MapGet("/health/ready", () => Results.Text("Healthy"));
        app.MapGet("/health/live", () => Results.Text("Healthy"));
        app.MapGet("/slow", async () =>
        {
            Interlocked.Increment(ref backend.requests);
            backend.SlowStarted.TrySetResult();
            await backend.slowRelease.Task;
            return Results.Ok(new { instance = backend.Name, slow = true });
        });
        if (backend.albIdentity is not null)
        {
            app.MapGet("/admin/api/whoami", (ClaimsPrincipal user) => Results.Ok(new
                {
                    instance = backend.Name,
                    sub = user.FindFirstValue("sub"),
                    email = user.FindFirstValue(ClaimTypes.Email),
                }))
                .RequireAuthorization(AlbIdentityDefaults.AdminPolicy);
        }

        app.Map("/{**path}", async (HttpContext context) =>
        {
            Interlocked.Increment(ref backend.requests);
            if (backend.ResetConnections)
            {
                context.Abort();
                return Results.Empty;
            }

            var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
            backend.ReceivedHeaders.Enqueue(headers);
            if (context.Request.Query["redirect"] is { Count: 1 } location)
            {
                return Results.Redirect(location.ToString());
            }

            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            return Results.Ok(new
            {
                instance = backend.Name,
                method = context.Request.Method,
                path = context.Request.Path.Value,
                query = context.Request.QueryString.Value,
                body,
                headers,
            });
        });
        await app.StartAsync();
        backend.app = app;
        backend.Port = new Uri(app.Urls.Single()).Port;
        backend.slowRelease = NewSignal();
        backend.SlowStarted = NewSignal();
        return backend;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        ReleaseSlow();
        await StopAsync();
    }
}
