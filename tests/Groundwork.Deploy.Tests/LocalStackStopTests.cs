using Groundwork.Deploy.Local;
using Groundwork.Testing;
using Xunit.Abstractions;

using Groundwork.LocalServers;

namespace Groundwork.Deploy.Tests;

/// <summary>
/// One stop: stopping the local stack (what Ctrl+C / SIGTERM to <c>./groundwork up</c> does to the AppHost) also stops
/// the instances a local deploy started into it, which are detached processes, not Aspire resources.
/// </summary>
[Collection(ArtifactCollection.Name)]
public sealed class LocalStackStopTests(ArtifactFixture artifact, ITestOutputHelper output)
{
    [Fact]
    public async Task Stopping_the_apphost_stops_the_instances_a_local_deploy_started_and_frees_their_ports()
    {
        // A stack of its own: this test stops it.
        var stack = new LocalStack();
        await stack.InitializeAsync();
        try
        {
            var deploy = await ToolProcess.RunAsync(["deploy", "--env", "local", "--version", artifact.Version,
                "--data-dir", stack.DataDirectory, "--artifacts", artifact.ArtifactsDirectory]);
            Assert.True(deploy.ExitCode == 0, deploy.Error + deploy.Output);
            var deployed = LocalDeployment.Read(stack.DataDirectory)!;
            Assert.Equal(stack.ApiInstances, deployed.Instances.Count);
            Assert.All(deployed.Instances, i => Assert.Equal(i.Pid, InstanceProcesses.FindListener(i.Port)));

            var clock = System.Diagnostics.Stopwatch.StartNew();
            await stack.App.StopAsync();
            output.WriteLine($"AppHost stopped in {clock.Elapsed.TotalSeconds:F1} s");

            foreach (var instance in deployed.Instances)
            {
                Assert.False(InstanceProcesses.IsRunning(instance.Pid), $"{instance.Name} (pid {instance.Pid}) still runs after the AppHost stopped");
                Assert.Null(InstanceProcesses.FindListener(instance.Port));
            }
            // Stopped gracefully (SIGTERM, not SIGKILL): the Api logs its shutdown before exiting.
            Assert.All(deployed.Instances, i => Assert.Contains("Application is shutting down", File.ReadAllText(i.Log)));
        }
        finally
        {
            // Should the hook fail, leave nothing behind for the other tests.
            foreach (var instance in LocalDeployment.Read(stack.DataDirectory)?.Instances ?? [])
            {
                await InstanceProcesses.StopGracefullyAsync(instance.Pid, TimeSpan.FromSeconds(30), CancellationToken.None);
            }
            await stack.DisposeAsync();
        }
    }
}
