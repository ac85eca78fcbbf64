using Aspire.Hosting.ApplicationModel;
using Groundwork.LocalServers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Groundwork.AppHost;

/// <summary>
/// Secrets Manager on one machine: the <see cref="LocalSecretsManager"/> stand-in, served from the AppHost process
/// (started here, before DCP starts anything) and shown as the health-checked resource "secrets" that the migrate step
/// and the instances wait for. The app and analytics users' secrets are created on first start with generated
/// passwords, as CloudFormation's GenerateSecretString does in AWS.
/// </summary>
public static class SecretsTier
{
    public sealed record Resources(IResourceBuilder<ExternalServiceResource> Secrets, LocalSecretsManager Server);

    public static Resources AddSecretsTier(this IDistributedApplicationBuilder builder, DataTierLayout layout, int port)
    {
        var server = LocalSecretsManager.Start(layout.SecretsFile, port);
        server.EnsureUserSecret(DataTierSetup.AppSecretName, DataTierSetup.AppUser);
        server.EnsureUserSecret(DataTierSetup.AnalyticsSecretName, DataTierSetup.AnalyticsUser);
        builder.Services.AddSingleton(server);
        builder.Services.AddHostedService<StopWithAppHost>();
        var secrets = builder.AddExternalService("secrets", server.Url)
            .WithHttpHealthCheck(LocalSecretsManager.HealthPath);
        return new Resources(secrets, server);
    }

    /// <summary>Closes the listener when the AppHost stops (its port is free for the next start).</summary>
    private sealed class StopWithAppHost(LocalSecretsManager server) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StopAsync(CancellationToken cancellationToken) => await server.DisposeAsync();
    }

    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, IReadOnlyDictionary<string, string> variables)
        where T : IResourceWithEnvironment
    {
        foreach (var (key, value) in variables)
        {
            builder.WithEnvironment(key, value);
        }
        return builder;
    }
}
