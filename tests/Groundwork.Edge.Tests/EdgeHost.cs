using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Groundwork.Edge.Tests;

/// <summary>The edge started in-process on a free 127.0.0.1 port, exactly as `dotnet run` builds it.</summary>
internal sealed class EdgeHost : IAsyncDisposable
{
    private readonly WebApplication app;

    private EdgeHost(WebApplication app, string baseUrl)
    {
        this.app = app;
        BaseUrl = baseUrl;
        Client = NewClient();
    }

    public string BaseUrl { get; }

    public IServiceProvider Services => app.Services;

    /// <summary>A client without cookies that does not follow redirects.</summary>
    public HttpClient Client { get; }

    public static async Task<EdgeHost> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Edge:Port"] = "0",
            ["Edge:RoutingFile"] = FindRoutingFile(),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var app = EdgeApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(configuration);
            builder.Logging.ClearProviders();
        });
        await app.StartAsync();
        return new EdgeHost(app, app.Urls.Single());
    }

    public static string FindRoutingFile() => RoutingRules.LocateFile(AppContext.BaseDirectory);

    public HttpClient NewClient(CookieContainer? cookies = null) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = cookies is not null, CookieContainer = cookies ?? new CookieContainer() })
        {
            BaseAddress = new Uri(BaseUrl),
        };

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
