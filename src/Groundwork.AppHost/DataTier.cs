using Aspire.Hosting.ApplicationModel;
using Groundwork.LocalServers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Groundwork.AppHost;

/// <summary>
/// The data tier of the architecture on one machine: a MariaDB primary and a read replica with real GTID
/// replication (RDS MySQL primary + read replica in AWS) and Redis (ElastiCache). Readiness is what the app tier
/// needs: the primary has its users, the replica follows the primary, Redis answers PING.
/// </summary>
public static class DataTier
{
    public sealed record Resources(
        IResourceBuilder<LocalServerResource> Primary,
        IResourceBuilder<LocalServerResource> Replica,
        IResourceBuilder<LocalServerResource> Redis,
        DataTierSetup Setup);

    public static async Task<Resources> AddDataTierAsync(this IDistributedApplicationBuilder builder, DataTierLayout layout)
    {
        // Directories, option files and both data directories (mariadb-install-db) before DCP starts anything.
        await layout.PrepareAsync(CancellationToken.None);
        var setup = new DataTierSetup(layout);

        var usersReady = false;
        builder.Services.AddHealthChecks()
            .AddAsyncCheck("primary-ready", async ct =>
            {
                if (!await layout.Primary.IsAcceptingConnectionsAsync(ct))
                {
                    return HealthCheckResult.Unhealthy("not accepting connections yet");
                }
                if (!usersReady)
                {
                    await setup.EnsureUsersOnPrimaryAsync(ct);
                    usersReady = true;
                }
                return HealthCheckResult.Healthy();
            })
            .AddAsyncCheck("replica-ready", async ct =>
            {
                if (!usersReady || !await layout.Replica.IsAcceptingConnectionsAsync(ct))
                {
                    return HealthCheckResult.Unhealthy("waiting for the primary's users and the replica");
                }
                if (!await setup.IsReplicatingAsync(ct))
                {
                    await setup.EnsureReplicaFollowsPrimaryAsync(requireIoThread: true, ct);
                }
                return await setup.IsReplicatingAsync(ct) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("replica threads not running");
            })
            .AddAsyncCheck("redis-ready", async ct =>
                await RedisPing.IsPongAsync(layout.RedisPort, ct) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("no PONG"));

        var primary = builder.AddResource(new LocalServerResource("primary", layout.Primary.ServerExecutable, layout.Primary.InstanceDirectory, setup.AppPrimaryConnectionString))
            .WithArgs([.. layout.Primary.ServerArguments])
            .WithHealthCheck("primary-ready");
        var replica = builder.AddResource(new LocalServerResource("replica", layout.Replica.ServerExecutable, layout.Replica.InstanceDirectory, setup.AppReplicaConnectionString))
            .WithArgs([.. layout.Replica.ServerArguments])
            .WithHealthCheck("replica-ready")
            .WaitFor(primary);
        var redis = builder.AddResource(new LocalServerResource("redis", layout.Redis.ServerExecutable, layout.Redis.WorkingDirectory, layout.Redis.ConnectionString))
            .WithArgs([.. layout.Redis.ServerArguments])
            .WithHealthCheck("redis-ready");
        return new Resources(primary, replica, redis, setup);
    }
}
