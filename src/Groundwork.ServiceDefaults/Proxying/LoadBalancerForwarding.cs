using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Groundwork.ServiceDefaults.Proxying;

/// <summary>
/// The app servers only ever sit behind the ALB (or the local edge), which sets X-Forwarded-For/Proto/Host.
/// Instances are in private subnets, so the proxy in front is trusted; we keep one hop so a client cannot
/// forge its address by prepending its own X-Forwarded-For entries.
/// </summary>
public static class LoadBalancerForwarding
{
    public static IHostApplicationBuilder AddLoadBalancerForwarding(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            options.ForwardLimit = 1;
            // The ALB's addresses are not known in advance (they change); the security groups guarantee that only
            // the ALB reaches the instances, so any direct peer is the load balancer.
            options.KnownIPNetworks.Clear();
            options.KnownProxies.Clear();
        });
        return builder;
    }

    public static WebApplication UseLoadBalancerForwarding(this WebApplication app)
    {
        app.UseForwardedHeaders();
        return app;
    }
}
