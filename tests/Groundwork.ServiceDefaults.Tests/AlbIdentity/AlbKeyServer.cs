using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Groundwork.ServiceDefaults.Tests.AlbIdentity;

/// <summary>A real HTTP stand-in for https://public-keys.auth.elb.{region}.amazonaws.com: PEM public keys by kid.</summary>
internal sealed class AlbKeyServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, string> pems = new();
    private int requests;

    private AlbKeyServer(WebApplication app) => this.app = app;

    public string BaseUrl { get; private set; } = "";

    public int Requests => Volatile.Read(ref requests);

    public static async Task<AlbKeyServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new AlbKeyServer(app);
        app.MapGet("/{kid}", (string kid) =>
        {
            Interlocked.Increment(ref server.requests);
            return server.pems.TryGetValue(kid, out var pem) ? Results.Text(pem, "text/plain") : Results.NotFound();
        });
        await app.StartAsync();
        server.BaseUrl = app.Urls.Single();
        return server;
    }

    public void Publish(string kid, ECDsa key) => pems[kid] = key.ExportSubjectPublicKeyInfoPem();

    public void PublishText(string kid, string text) => pems[kid] = text;

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
