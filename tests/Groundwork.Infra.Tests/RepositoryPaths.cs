using Groundwork.Workspace;

namespace Groundwork.Infra.Tests;

public static class RepositoryPaths
{
    /// <summary>The checkout's root (found once, in <see cref="RepositoryRoot"/>).</summary>
    public static string Root => RepositoryRoot.Current;
}
