namespace Groundwork.Infra.Tests;

public static class RepositoryPaths
{
    /// <summary>The checkout's root (the directory holding Groundwork.slnx).</summary>
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Groundwork.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException("Groundwork.slnx not found above " + AppContext.BaseDirectory);
    }
}
