using Microsoft.Extensions.Options;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace Groundwork.Edge;

/// <summary>One registered target and how the edge sees it.</summary>
internal sealed record TargetStatus(string Name, string Url, string ActiveHealth, string PassiveHealth, int InFlight);

/// <summary>The result of a deregistration: drained, or the drain timeout passed with requests still in flight.</summary>
internal sealed record DrainResult(string Name, bool Drained, int InFlight);

/// <summary>
/// The ALB target group "app": every instance is its own YARP destination, round robin, actively health-checked on
/// /health/ready (a stopped instance leaves rotation within a few seconds and rejoins once healthy), passively on
/// transport failures. When every target is unhealthy the group fails open, as an ALB does.
/// </summary>
internal sealed class TargetGroup
{
    public const string ClusterId = "app";
    public const string RouteId = "app";
    public const string HealthPath = "/health/ready";

    private readonly Lock gate = new();
    private readonly Dictionary<string, string> targets = new(StringComparer.Ordinal);
    private readonly InMemoryConfigProvider config;
    private readonly IProxyStateLookup state;
    private readonly EdgeOptions options;
    private readonly ILogger<TargetGroup> logger;

    public TargetGroup(InMemoryConfigProvider config, IProxyStateLookup state, IOptions<EdgeOptions> options, ILogger<TargetGroup> logger)
    {
        this.config = config;
        this.state = state;
        this.options = options.Value;
        this.logger = logger;
        foreach (var (name, url) in this.options.Targets)
        {
            targets[name] = url;
        }

        Apply();
    }

    public static IReadOnlyList<RouteConfig> Routes() =>
    [
        new RouteConfig
        {
            RouteId = RouteId,
            ClusterId = ClusterId,
            Match = new RouteMatch { Path = "/{**catch-all}" },
            // Our own /_edge endpoints are more specific and win; everything else that the rules forward lands here.
            Order = int.MaxValue,
            // The ALB keeps the client's Host header (short URLs are built from it) and adds X-Forwarded-*.
            Transforms = [new Dictionary<string, string> { ["RequestHeaderOriginalHost"] = "true" }],
        },
    ];

    public IReadOnlyList<TargetStatus> List()
    {
        Dictionary<string, string> snapshot;
        lock (gate)
        {
            snapshot = new Dictionary<string, string>(targets, StringComparer.Ordinal);
        }

        state.TryGetCluster(ClusterId, out var cluster);
        return snapshot.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t =>
        {
            DestinationState? destination = null;
            cluster?.Destinations.TryGetValue(t.Key, out destination);
            return new TargetStatus(
                t.Key,
                t.Value,
                destination?.Health.Active.ToString() ?? "Unknown",
                destination?.Health.Passive.ToString() ?? "Unknown",
                destination?.ConcurrentRequestCount ?? 0);
        }).ToList();
    }

    public bool Register(string name, string url)
    {
        bool added;
        lock (gate)
        {
            added = !targets.ContainsKey(name);
            targets[name] = url;
            Apply();
        }

        logger.LogInformation("Target {Name} registered at {Url}", name, url);
        return added;
    }

    /// <summary>
    /// Takes the target out of rotation at once, then waits until its in-flight requests have finished
    /// (the ALB's deregistration delay), at most <paramref name="timeout"/>.
    /// </summary>
    public async Task<DrainResult?> DeregisterAsync(string name, TimeSpan timeout, CancellationToken cancellationToken)
    {
        DestinationState? draining = null;
        lock (gate)
        {
            if (!targets.Remove(name))
            {
                return null;
            }

            if (state.TryGetCluster(ClusterId, out var cluster))
            {
                cluster.Destinations.TryGetValue(name, out draining);
            }

            Apply();
        }

        logger.LogInformation("Target {Name} deregistered; draining {InFlight} in-flight requests", name, draining?.ConcurrentRequestCount ?? 0);
        if (draining is null)
        {
            return new DrainResult(name, true, 0);
        }

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        using var ticks = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        try
        {
            while (draining.ConcurrentRequestCount > 0 && await ticks.WaitForNextTickAsync(timeoutSource.Token))
            {
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The drain timeout passed; the remaining requests keep running, as on an ALB after its delay they are cut.
        }

        var left = draining.ConcurrentRequestCount;
        logger.LogInformation("Target {Name} drained: {Drained} ({InFlight} still in flight)", name, left == 0, left);
        return new DrainResult(name, left == 0, left);
    }

    /// <summary>YARP configured as the target group; the cluster starts empty and <see cref="TargetGroup"/> fills it.</summary>
    public static IServiceCollection AddTargetGroup(IServiceCollection services, EdgeOptions edge)
    {
        services.AddReverseProxy().LoadFromMemory(Routes(), [Cluster(new Dictionary<string, string>(), edge.HealthCheckInterval)]);
        // YARP keeps a passively failed destination out for max(ReactivationPeriod, DetectionWindowSize), 60 s by
        // default; a short window lets an instance that the active check sees healthy again rejoin within seconds.
        services.Configure<TransportFailureRateHealthPolicyOptions>(o => o.DetectionWindowSize = PassiveWindow);
        services.AddSingleton<TargetGroup>();
        return services;
    }

    private static readonly TimeSpan PassiveWindow = TimeSpan.FromSeconds(5);

    private void Apply() => config.Update(Routes(), [Cluster(targets, options.HealthCheckInterval)]);

    internal static ClusterConfig Cluster(IReadOnlyDictionary<string, string> targets, TimeSpan healthCheckInterval) => new()
    {
        ClusterId = ClusterId,
        LoadBalancingPolicy = LoadBalancingPolicies.RoundRobin,
        HealthCheck = new HealthCheckConfig
        {
            AvailableDestinationsPolicy = HealthCheckConstants.AvailableDestinations.HealthyOrPanic,
            Active = new ActiveHealthCheckConfig
            {
                Enabled = true,
                Interval = healthCheckInterval,
                Timeout = TimeSpan.FromSeconds(1),
                Policy = HealthCheckConstants.ActivePolicy.ConsecutiveFailures,
                Path = HealthPath,
            },
            Passive = new PassiveHealthCheckConfig
            {
                Enabled = true,
                Policy = HealthCheckConstants.PassivePolicy.TransportFailureRate,
                ReactivationPeriod = PassiveWindow,
            },
        },
        Metadata = new Dictionary<string, string>
        {
            // Two failed probes in a row take an instance out (the ALB's UnhealthyThresholdCount, scaled down).
            ["ConsecutiveFailuresHealthPolicy.Threshold"] = "2",
        },
        Destinations = targets.ToDictionary(t => t.Key, t => new DestinationConfig { Address = t.Value, Health = null }, StringComparer.Ordinal),
    };
}
