using System.Net;
using System.Net.Sockets;
using Groundwork.Workspace;

namespace Groundwork.LocalServers.Tests;

/// <summary>
/// Groundwork.Workspace, which the data tier (and every tool) uses for its ports and the checkout: tested here, where
/// its first user is, rather than in a test project of its own for two functions.
/// </summary>
public sealed class WorkspaceTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("groundwork-workspace-").FullName;

    [Fact]
    public void Free_ports_are_distinct_and_can_be_bound()
    {
        var ports = FreePorts.Take(5);
        Assert.Equal(5, ports.Distinct().Count());
        foreach (var port in ports)
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
        }
    }

    [Fact]
    public void A_port_is_handed_out_once_even_across_separate_picks()
    {
        // Separate picks are where the kernel repeats itself: 2,000 random ports from ~14,000 would share a port
        // with near certainty (a test's database ports and its stack's instance ports are picked this way).
        var ports = Enumerable.Range(0, 2000).Select(_ => FreePorts.Next()).ToArray();
        Assert.Equal(ports.Length, ports.Distinct().Count());
    }

    [Fact]
    public void The_root_is_the_nearest_directory_upward_holding_the_solution_and_none_outside_a_checkout()
    {
        var nested = Directory.CreateDirectory(Path.Combine(_directory, "checkout", "src", "deep")).FullName;
        Assert.Null(RepositoryRoot.TryFind(nested));

        var checkout = Path.Combine(_directory, "checkout");
        File.WriteAllText(Path.Combine(checkout, RepositoryRoot.MarkerFile), "<Solution />");
        Assert.Equal(checkout, RepositoryRoot.TryFind(null, nested));
        Assert.Equal(checkout, RepositoryRoot.TryFind(_directory, nested));
        Assert.Contains(RepositoryRoot.MarkerFile, Assert.Throws<DirectoryNotFoundException>(() => RepositoryRoot.Find(_directory)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void This_test_runs_inside_the_checkout() =>
        Assert.True(File.Exists(Path.Combine(RepositoryRoot.Current, "src", "Groundwork.Workspace", "Groundwork.Workspace.csproj")));

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
