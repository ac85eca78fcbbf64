using Aspire.Hosting.ApplicationModel;

namespace Groundwork.AppHost;

/// <summary>
/// A server from the OS packages (mariadbd, redis-server) run by Aspire as an executable, with the connection string
/// the app tier receives as <c>ConnectionStrings__{name}</c>. There is no container engine here, and the point is
/// to run the same server software the cloud runs, not a stand-in.
/// </summary>
public sealed class LocalServerResource(string name, string command, string workingDirectory, string connectionString)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public ReferenceExpression ConnectionStringExpression { get; } = ReferenceExpression.Create($"{connectionString}");
}
