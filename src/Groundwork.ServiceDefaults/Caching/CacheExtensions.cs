using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Backplane.StackExchangeRedis;
using ZiggyCreatures.Caching.Fusion.Serialization.SystemTextJson;

namespace Groundwork.ServiceDefaults.Caching;

/// <summary>
/// The shared cache: FusionCache with a memory L1 per instance, Redis (ElastiCache) as L2, and the Redis backplane so
/// a change on one instance evicts the L1 of every other. Fail-safe: when Redis is down every Redis operation is
/// skipped by a circuit breaker and the app serves from L1 and the database; stale entries are served rather than
/// errors when the database is down too.
/// </summary>
public static class CacheExtensions
{
    /// <summary>
    /// Entries each instance keeps in memory at most (<c>Cache:MemoryEntryLimit</c>). A link entry costs about 1 KiB of
    /// heap, so the default bounds the memory cache near 100 MiB per instance; the hot set of a link shortener is far smaller.
    /// </summary>
    public const long DefaultMemoryEntryLimit = 100_000;

    public static IHostApplicationBuilder AddSharedCache(this IHostApplicationBuilder builder)
    {
        var redisConnectionString = builder.Configuration.GetConnectionString("redis");
        var hasRedis = !string.IsNullOrWhiteSpace(redisConnectionString);
        if (hasRedis)
        {
            var caFile = builder.Configuration["Cache:RedisCaFile"];
            builder.Services.AddSingleton(sp => new RedisTrust(caFile, sp.GetRequiredService<ILoggerFactory>().CreateLogger<RedisTrust>()));
            builder.Services.AddSingleton<IConnectionMultiplexer>(sp => ConnectRedis(redisConnectionString!, sp.GetRequiredService<RedisTrust>()));
        }

        // A hard bound on each instance's memory cache, whatever the traffic: every entry counts 1 against the limit
        // (FusionCache gives each entry the default entry options' Size); past it the memory cache compacts (least
        // recently used first) and the instance reads those entries from Redis again.
        var memoryEntryLimit = builder.Configuration.GetValue("Cache:MemoryEntryLimit", DefaultMemoryEntryLimit);
        if (memoryEntryLimit < 1)
        {
            throw new InvalidOperationException($"Cache:MemoryEntryLimit must be at least 1 (was {memoryEntryLimit}).");
        }

        var fusion = builder.Services.AddFusionCache()
            .WithMemoryCache(new MemoryCache(new MemoryCacheOptions { SizeLimit = memoryEntryLimit }))
            .WithOptions(options =>
            {
                options.CacheKeyPrefix = "gw:";
                options.TagsDefaultEntryOptions.Size = 1;
                options.DistributedCacheCircuitBreakerDuration = TimeSpan.FromSeconds(2);
                options.BackplaneCircuitBreakerDuration = TimeSpan.FromSeconds(2);
            })
            .WithDefaultEntryOptions(new FusionCacheEntryOptions
            {
                Duration = TimeSpan.FromMinutes(5),
                Size = 1,
                IsFailSafeEnabled = true,
                // Also how long an entry physically stays in memory and Redis (the soak measured the growth): one hour
                // of stale-but-served links during a database outage, and a memory bound of one hour of new entries.
                FailSafeMaxDuration = TimeSpan.FromHours(1),
                FailSafeThrottleDuration = TimeSpan.FromSeconds(10),
                // Never let a slow Redis slow a redirect: give up on L2 quickly, finish its writes in the background.
                DistributedCacheSoftTimeout = TimeSpan.FromMilliseconds(100),
                DistributedCacheHardTimeout = TimeSpan.FromMilliseconds(500),
                AllowBackgroundDistributedCacheOperations = true,
                AllowBackgroundBackplaneOperations = true,
                JitterMaxDuration = TimeSpan.FromSeconds(10),
            })
            .WithSerializer(new FusionCacheSystemTextJsonSerializer());

        if (hasRedis)
        {
            fusion
                .WithDistributedCache(sp => new RedisCache(new RedisCacheOptions
                {
                    ConnectionMultiplexerFactory = () => Task.FromResult(sp.GetRequiredService<IConnectionMultiplexer>()),
                }))
                .WithBackplane(sp => new RedisBackplane(new RedisBackplaneOptions
                {
                    ConnectionMultiplexerFactory = () => Task.FromResult(sp.GetRequiredService<IConnectionMultiplexer>()),
                }));
        }
        return builder;
    }

    /// <summary>
    /// One multiplexer per process, shared by the cache, the backplane and the rate limiter. It never fails to
    /// construct: with Redis down it keeps reconnecting in the background.
    /// </summary>
    private static ConnectionMultiplexer ConnectRedis(string connectionString, RedisTrust trust)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        trust.Apply(options);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 1000;
        options.SyncTimeout = 1000;
        options.AsyncTimeout = 1000;
        options.ConnectRetry = 1;
        options.ReconnectRetryPolicy = new LinearRetry(500);
        var multiplexer = ConnectionMultiplexer.Connect(options);
        trust.Observe(multiplexer);
        return multiplexer;
    }
}
