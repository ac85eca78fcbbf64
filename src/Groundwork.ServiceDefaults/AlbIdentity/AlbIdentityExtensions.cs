using System.Globalization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Groundwork.ServiceDefaults.AlbIdentity;

public static class AlbIdentityExtensions
{
    /// <summary>
    /// Admin authentication by the ALB's signed identity header. Binds "AlbIdentity" (SignerArn, KeyEndpoint, Issuer,
    /// ClientId, ClockSkew as seconds or a TimeSpan) and "Admin" (Emails, Domains: arrays or comma-separated strings),
    /// registers the scheme <see cref="AlbIdentityDefaults.Scheme"/> as the default and the policy
    /// <see cref="AlbIdentityDefaults.AdminPolicy"/>.
    /// </summary>
    public static IHostApplicationBuilder AddAlbIdentity(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var services = builder.Services;

        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient(AlbIdentityDefaults.KeyClientName, client => client.Timeout = TimeSpan.FromSeconds(3));
        services.TryAddSingleton<AlbPublicKeyCache>();
        services.TryAddSingleton<AlbTokenValidator>();
        services.TryAddSingleton(_ => ReadAllowlist(configuration.GetSection("Admin")));
        services.AddSingleton<IAuthorizationHandler, AdminAllowlistHandler>();
        services.AddHostedService<AlbIdentityStartupCheck>();

        services.AddAuthentication(AlbIdentityDefaults.Scheme)
            .AddScheme<AlbIdentityOptions, AlbIdentityHandler>(AlbIdentityDefaults.Scheme, options =>
                Bind(options, configuration.GetSection("AlbIdentity")));

        services.AddAuthorizationBuilder()
            .AddPolicy(AlbIdentityDefaults.AdminPolicy, policy => policy
                .AddAuthenticationSchemes(AlbIdentityDefaults.Scheme)
                .RequireAuthenticatedUser()
                .AddRequirements(new AdminAllowlistRequirement()));

        return builder;
    }

    internal static void Bind(AlbIdentityOptions options, IConfigurationSection section)
    {
        options.SignerArn = NullIfBlank(section["SignerArn"]);
        options.KeyEndpoint = NullIfBlank(section["KeyEndpoint"]);
        options.Issuer = NullIfBlank(section["Issuer"]);
        options.ClientId = NullIfBlank(section["ClientId"]);
        if (NullIfBlank(section["ClockSkew"]) is { } skew)
        {
            options.ClockSkew = double.TryParse(skew, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                ? TimeSpan.FromSeconds(seconds)
                : TimeSpan.Parse(skew, CultureInfo.InvariantCulture);
        }
    }

    internal static AdminAllowlist ReadAllowlist(IConfigurationSection section) => new()
    {
        Emails = AdminAllowlist.ReadList(section.GetSection("Emails"), isDomain: false),
        Domains = AdminAllowlist.ReadList(section.GetSection("Domains"), isDomain: true),
    };

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>Says at start-up, not at the first refused admin, that admin access is closed.</summary>
internal sealed class AlbIdentityStartupCheck(
    IOptionsMonitor<AlbIdentityOptions> options,
    AdminAllowlist allowlist,
    ILogger<AlbIdentityStartupCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var current = options.Get(AlbIdentityDefaults.Scheme);
        if (!current.IsConfigured)
        {
            logger.LogWarning("AlbIdentity:SignerArn or AlbIdentity:KeyEndpoint is not configured: every admin request will get 401");
        }
        else if (allowlist.Emails.Count == 0 && allowlist.Domains.Count == 0)
        {
            logger.LogWarning("The admin allowlist (Admin:Emails, Admin:Domains) is empty: every admin request will get 403");
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
