using Groundwork.Deploy.Local;
using Groundwork.Testing;

using Groundwork.LocalServers;

namespace Groundwork.Deploy.Tests;

/// <summary>
/// The whole local stack (AppHost on free ports), plus clean-up of what a deploy leaves behind: instances started from
/// an artifact are detached from the tool and the AppHost, so they are stopped (SIGTERM) before the stack goes.
/// </summary>
public sealed class DeployStack : LocalStack, IAsyncLifetime
{
    // Re-implemented (LocalStack.DisposeAsync is not virtual): xunit calls this, which then stops the stack.
    async Task IAsyncLifetime.DisposeAsync()
    {
        if (LocalDeployment.Read(DataDirectory) is { } deployment)
        {
            foreach (var instance in deployment.Instances)
            {
                await InstanceProcesses.StopGracefullyAsync(instance.Pid, TimeSpan.FromSeconds(30), CancellationToken.None);
            }
        }
        await base.DisposeAsync();
    }
}
