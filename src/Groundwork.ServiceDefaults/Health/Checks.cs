using Groundwork.ServiceDefaults.Caching;
using Groundwork.ServiceDefaults.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using MySqlConnector;
using StackExchange.Redis;

namespace Groundwork.ServiceDefaults.Health;

internal sealed class PrimaryHealthCheck(PrimaryDataSource primary) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await using var connection = await primary.OpenConnectionAsync(timeout.Token);
            await using var cmd = new MySqlCommand("SELECT 1", connection);
            await cmd.ExecuteScalarAsync(timeout.Token);
            return HealthCheckResult.Healthy("primary answers");
        }
        catch (Exception e) when (DatabaseTlsDiagnosis.IsTlsFailure(e))
        {
            // A refused certificate does not heal by waiting: say what is wrong with it (the health-check log shows it).
            var reason = await DatabaseTlsDiagnosis.ExplainAsync(primary.DataSource.ConnectionString, ct);
            return new HealthCheckResult(context.Registration.FailureStatus,
                $"primary unreachable: {e.Message}{(reason is null ? "" : ": " + reason)}");
        }
        catch (Exception e) when (e is MySqlException or OperationCanceledException or TimeoutException or InvalidOperationException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "primary unreachable: " + e.Message);
        }
    }
}

/// <summary>Reports what <see cref="ReplicaMonitor"/> last saw; does no I/O of its own.</summary>
internal sealed class ReplicaHealthCheck(ReplicaStatus status) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) =>
        Task.FromResult(status.State switch
        {
            ReplicaState.InSync or ReplicaState.Unknown => HealthCheckResult.Healthy("replica serves reads"),
            ReplicaState.NotConfigured => HealthCheckResult.Healthy("no replica configured; primary serves reads"),
            var state => HealthCheckResult.Degraded($"replica {state.ToString().ToLowerInvariant()}, reads on the primary: {status.LastError}"),
        });
}

internal sealed class RedisHealthCheck(IServiceProvider services) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        var redis = services.GetService<IConnectionMultiplexer>();
        // A refused certificate or password is a misconfiguration, not an outage: not ready, with the reason.
        var refusal = services.GetService<RedisTrust>()?.Refusal;
        return Task.FromResult(redis switch
        {
            null => HealthCheckResult.Healthy("no Redis configured; memory cache only"),
            { IsConnected: true } => HealthCheckResult.Healthy("redis connected"),
            _ when refusal is not null => HealthCheckResult.Unhealthy("redis refused: " + refusal),
            _ => HealthCheckResult.Degraded("redis unreachable; serving from the memory cache and the database"),
        });
    }
}

/// <summary>
/// Fails readiness as soon as shutdown begins, so the load balancer stops sending new requests while in-flight
/// ones finish (the app's shutdown delay gives it time to notice).
/// </summary>
internal sealed class ShutdownHealthCheck(IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) =>
        Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested
            ? HealthCheckResult.Unhealthy("shutting down")
            : HealthCheckResult.Healthy("accepting traffic"));
}
