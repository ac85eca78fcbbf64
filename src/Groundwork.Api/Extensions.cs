using Groundwork.Api.Admin;
using Groundwork.Api.Clicks;
using Groundwork.Api.Links;
using Groundwork.ServiceDefaults.RateLimiting;

namespace Groundwork.Api;

/// <summary>The product's own services; the platform's are in Groundwork.ServiceDefaults.</summary>
public static class Extensions
{
    public static IHostApplicationBuilder AddLinkShortener(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<ShortLinkOptions>(builder.Configuration.GetSection("Links"));
        builder.Services.Configure<ClickOptions>(builder.Configuration.GetSection("Clicks"));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<LinkStore>();
        builder.Services.AddSingleton<LinkCache>();
        builder.Services.AddSingleton<AuditLog>();
        builder.Services.AddSingleton<ClickCounter>();
        builder.Services.AddSingleton<ClickSeriesReader>();
        builder.Services.AddSingleton<ClickFlusher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ClickFlusher>());

        var links = builder.Configuration.GetSection("Links").Get<ShortLinkOptions>() ?? new ShortLinkOptions();
        builder.AddPerClientRateLimit(LinkEndpoints.CreatePolicy, links.CreatePerClientPerMinute, TimeSpan.FromMinutes(1));
        return builder;
    }
}
