using Groundwork.LocalServers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Groundwork.AppHost;

/// <summary>
/// One stop for the whole local stack: instances that <c>deploy --env local</c> started into this stack are detached
/// from the deploy tool (so they outlive it) and are not Aspire resources, so DCP does not stop them with the AppHost.
/// This service does, when the AppHost stops (Ctrl+C, SIGTERM): every instance the deploy recorded for this AppHost's
/// pid (<c>{data dir}/deployments/local.json</c>, written by Groundwork.Deploy) gets SIGTERM and is waited for, so it
/// flushes its clicks and frees its port. Registered after Aspire's own services, so it stops first: the data tier is
/// still up while the instances flush.
/// </summary>
internal sealed partial class DeployedInstances(string dataDirectory, ILogger<DeployedInstances> logger) : IHostedService
{
    /// <summary>What a graceful stop of the Api takes (drain, flush) with room to spare; DCP's own stop budget is similar.</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var deployment = LocalDeployment.Read(dataDirectory);
        if (deployment is null || deployment.AppHostPid != Environment.ProcessId)
        {
            // Nothing deployed, or a deploy into an earlier stack (its instances are that stack's, or already gone).
            return;
        }
        await Task.WhenAll(deployment.Instances.Select(async instance =>
        {
            // Only the process that still listens on the instance's port: a recorded pid may have been reused since.
            if (InstanceProcesses.FindListener(instance.Port) != instance.Pid)
            {
                return;
            }
            var stopped = await InstanceProcesses.StopGracefullyAsync(instance.Pid, StopTimeout, CancellationToken.None);
            LogStopped(logger, instance.Name, instance.Pid, stopped ? "stopped" : "still running after SIGTERM");
        }));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deployed instance {Name} (pid {Pid}): {Outcome}")]
    private static partial void LogStopped(ILogger logger, string name, int pid, string outcome);
}
