namespace Groundwork.Testing;

/// <summary>The checkout's root: the directory holding Groundwork.slnx, above the test assembly.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Groundwork.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Groundwork.slnx not found above the test assembly.");
    }
}
