using System.Security.Claims;
using Groundwork.ServiceDefaults.AlbIdentity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Groundwork.ServiceDefaults.Tests.AlbIdentity;

/// <summary>A minimal app with one admin endpoint, on real Kestrel, wired exactly as the Api wires AlbIdentity.</summary>
internal sealed class AdminApp : IAsyncDisposable
{
    private readonly WebApplication app;

    private AdminApp(WebApplication app, HttpClient client)
    {
        this.app = app;
        Client = client;
    }

    public HttpClient Client { get; }

    public IServiceProvider Services => app.Services;

    public static async Task<AdminApp> StartAsync(IDictionary<string, string?> configuration)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.AddAlbIdentity();
        var app = builder.Build();
        app.MapGet("/admin/api/whoami", (ClaimsPrincipal user) => Results.Ok(new
            {
                sub = user.FindFirstValue("sub"),
                email = user.FindFirstValue(ClaimTypes.Email),
            }))
            .RequireAuthorization(AlbIdentityDefaults.AdminPolicy);
        await app.StartAsync();
        return new AdminApp(app, new HttpClient { BaseAddress = new Uri(app.Urls.Single()) });
    }

    public async Task<HttpResponseMessage> GetWithTokenAsync(string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/api/whoami");
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation(AlbIdentityDefaults.DataHeader, token);
        }

        return await Client.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await app.DisposeAsync();
    }
}
