using System.Globalization;
using System.Threading.RateLimiting;
using Groundwork.ServiceDefaults.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RedisRateLimiting;
using StackExchange.Redis;

namespace Groundwork.ServiceDefaults.RateLimiting;

/// <summary>
/// Rate limits that hold across every instance behind the load balancer: the counters live in Redis
/// (RedisRateLimiting). When Redis is unreachable the limit degrades to the same limit per instance rather than
/// failing the request or letting everything through (decision recorded in docs/decisions.md).
/// </summary>
public static class SharedRateLimiter
{
    /// <summary>Adds a fixed-window policy keyed by the client address (as forwarded by the load balancer).</summary>
    public static IHostApplicationBuilder AddPerClientRateLimit(this IHostApplicationBuilder builder, string policyName, int permitLimit, TimeSpan window)
    {
        builder.Services.AddRateLimiter(options =>
        {
            options.OnRejected = static async (context, _) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await context.HttpContext.WriteProblemAsync(StatusCodes.Status429TooManyRequests, "Too many requests",
                    $"Rate limit reached for this client. Retry in {seconds} s.");
            };
            options.AddPolicy(policyName, context =>
            {
                var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
                var redis = context.RequestServices.GetService<IConnectionMultiplexer>();
                return RateLimitPartition.Get($"{policyName}:{client}", key => new FailoverRateLimiter(
                    redis is null ? null : new RedisFixedWindowRateLimiter<string>(key, new RedisFixedWindowRateLimiterOptions
                    {
                        ConnectionMultiplexerFactory = () => redis,
                        PermitLimit = permitLimit,
                        Window = window,
                    }),
                    new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = permitLimit,
                        Window = window,
                        QueueLimit = 0,
                    }),
                    redis));
            });
        });
        return builder;
    }

    public static WebApplication UsePerClientRateLimits(this WebApplication app)
    {
        app.UseRateLimiter();
        return app;
    }
}

/// <summary>The Redis limiter while Redis answers; the in-process limiter when it does not.</summary>
internal sealed class FailoverRateLimiter(RateLimiter? shared, RateLimiter local, IConnectionMultiplexer? redis) : RateLimiter
{
    private bool SharedUsable => shared is not null && redis is { IsConnected: true };

    public override TimeSpan? IdleDuration => local.IdleDuration;

    public override RateLimiterStatistics? GetStatistics() => local.GetStatistics();

    protected override RateLimitLease AttemptAcquireCore(int permitCount) =>
        // The Redis limiter has no synchronous path; the middleware then calls AcquireAsync.
        SharedUsable ? NotAcquired.Instance : local.AttemptAcquire(permitCount);

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        if (SharedUsable)
        {
            try
            {
                return await shared!.AcquireAsync(permitCount, cancellationToken);
            }
            catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
            {
                // Redis went away between the check and the call: fall through to the local limit.
            }
        }
        return await local.AcquireAsync(permitCount, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            shared?.Dispose();
            local.Dispose();
        }
        base.Dispose(disposing);
    }

    private sealed class NotAcquired : RateLimitLease
    {
        public static readonly NotAcquired Instance = new();
        public override bool IsAcquired => false;
        public override IEnumerable<string> MetadataNames => [];
        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
