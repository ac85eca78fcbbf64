using Aspire.Hosting.ApplicationModel;
using Groundwork.LocalServers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Groundwork.AppHost;

/// <summary>
/// The data tier of the architecture on one machine: a MariaDB primary and a read replica with real GTID
/// replication (RDS for MariaDB primary + read replica in AWS) and Redis (ElastiCache). The app tier reaches the two
/// databases through movable endpoints owned here (the RDS writer and replica endpoints), which a failover moves
/// (<see cref="DataTierRoles"/>). Readiness is what the app tier needs: the primary has its users, the replica
/// follows the primary, Redis answers PING.
/// </summary>
public static class DataTier
{
    /// <param name="Primary">mariadbd server 1 (directory primary/): the primary until a failover.</param>
    /// <param name="Replica">mariadbd server 2 (directory replica/): the replica until a failover.</param>
    /// <param name="PrimaryConnectionString">The admin user (the RDS master's stand-in) through the primary endpoint: the
    /// migrate step and tools (stack.json). App instances get the resources' own strings: the endpoint, no credentials.</param>
    /// <param name="ReplicaConnectionString">The admin user through the replica endpoint.</param>
    public sealed record Resources(
        IResourceBuilder<LocalServerResource> Primary,
        IResourceBuilder<LocalServerResource> Replica,
        IResourceBuilder<LocalServerResource> Redis,
        DataTierSetup Setup,
        DataTierEndpoints Endpoints,
        string PrimaryConnectionString,
        string ReplicaConnectionString,
        string RedisConnectionString,
        IReadOnlyDictionary<string, string> ClientEnvironment);

    public static async Task<Resources> AddDataTierAsync(this IDistributedApplicationBuilder builder, DataTierLayout layout)
    {
        // Directories, option files (read_only follows roles.json) and both data directories before DCP starts anything.
        await layout.PrepareAsync(CancellationToken.None);
        var setup = new DataTierSetup(layout);
        var endpoints = DataTierEndpoints.Start(layout, EndpointPort("GROUNDWORK_PRIMARY_ENDPOINT_PORT"), EndpointPort("GROUNDWORK_REPLICA_ENDPOINT_PORT"));
        endpoints.Moved += line => Console.WriteLine($"data tier: {line}");
        builder.Services.AddHostedService(_ => new EndpointsLifetime(endpoints));

        var usersReady = false;
        // One check per server, by its current role: after a failover server 2 is the primary and server 1 the replica.
        async Task<HealthCheckResult> ServerReadyAsync(int serverId, CancellationToken ct)
        {
            var server = layout.Server(serverId);
            if (!await server.IsAcceptingConnectionsAsync(ct))
            {
                return HealthCheckResult.Unhealthy("not accepting connections yet");
            }
            if (server.Role == MariaDbRole.Primary)
            {
                if (!usersReady)
                {
                    await setup.EnsureUsersOnPrimaryAsync(ct);
                    usersReady = true;
                }
                return HealthCheckResult.Healthy("primary");
            }
            // The replica. Its primary may not run yet (a restart after a failover starts server 1, now the replica,
            // first): then a running SQL thread is enough, as the IO thread connects once the primary is up.
            var primaryUp = await layout.Primary.IsAcceptingConnectionsAsync(ct);
            if (primaryUp && !usersReady)
            {
                return HealthCheckResult.Unhealthy("waiting for the primary's users");
            }
            if (await setup.IsReplicatingAsync(ct))
            {
                return HealthCheckResult.Healthy("replica, replicating");
            }
            if (!await setup.TryRepairReplicationAsync(requireIoThread: primaryUp, ct))
            {
                return HealthCheckResult.Degraded("failover in progress: replication is being changed");
            }
            return await setup.IsReplicatingAsync(ct) || !primaryUp
                ? HealthCheckResult.Healthy(primaryUp ? "replica, replicating" : "replica; primary not running")
                : HealthCheckResult.Unhealthy("replica threads not running");
        }

        builder.Services.AddHealthChecks()
            .AddAsyncCheck("primary-ready", ct => ServerReadyAsync(1, ct))
            .AddAsyncCheck("replica-ready", ct => ServerReadyAsync(2, ct))
            .AddAsyncCheck("redis-ready", async ct =>
                await RedisPing.ProbeAsync(layout.Redis, ct) is { } why ? HealthCheckResult.Unhealthy(why) : HealthCheckResult.Healthy());

        // The resources are the two processes; their connection strings are the endpoints (RDS: the endpoints' DNS names),
        // so every reference (app instances, migrations) follows a failover.
        var primaryConnectionString = setup.AppConnectionString(endpoints.Primary.Port);
        var replicaConnectionString = setup.AppConnectionString(endpoints.Replica.Port);
        var first = layout.Server(1);
        var second = layout.Server(2);
        var primary = builder.AddResource(new LocalServerResource("primary", first.ServerExecutable, first.InstanceDirectory, primaryConnectionString))
            .WithArgs([.. first.ServerArguments])
            .WithHealthCheck("primary-ready");
        var replica = builder.AddResource(new LocalServerResource("replica", second.ServerExecutable, second.InstanceDirectory, replicaConnectionString))
            .WithArgs([.. second.ServerArguments])
            .WithHealthCheck("replica-ready")
            .WaitFor(primary);
        var redis = builder.AddResource(new LocalServerResource("redis", layout.Redis.ServerExecutable, layout.Redis.WorkingDirectory, layout.Redis.ConnectionString))
            .WithArgs([.. layout.Redis.ServerArguments])
            .WithHealthCheck("redis-ready");
        return new Resources(primary, replica, redis, setup, endpoints,
            setup.AdminConnectionString(endpoints.Primary.Port), setup.AdminConnectionString(endpoints.Replica.Port),
            layout.Redis.ConnectionString, LocalTls.ClientEnvironment(layout));
    }

    /// <summary>GROUNDWORK_PRIMARY_ENDPOINT_PORT / GROUNDWORK_REPLICA_ENDPOINT_PORT; 0 (a free port, named in stack.json) by default.</summary>
    private static int EndpointPort(string variable) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) ? port : 0;

    /// <summary>Closes the endpoints with the AppHost (tests start several stacks in one process).</summary>
    private sealed class EndpointsLifetime(DataTierEndpoints endpoints) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StopAsync(CancellationToken cancellationToken) => await endpoints.DisposeAsync();
    }
}
