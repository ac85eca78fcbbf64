namespace Groundwork.Workspace;

/// <summary>The checkout's root: the directory holding <see cref="MarkerFile"/>, found upward from a start directory.</summary>
public static class RepositoryRoot
{
    private static readonly Lazy<string> CurrentRoot = new(() => Find());

    /// <summary>The file only the root of a Groundwork checkout holds.</summary>
    public const string MarkerFile = "Groundwork.slnx";

    /// <summary>
    /// The first root found upward from each start in turn (null starts are skipped); by default from the running
    /// assembly's directory, then the current directory. Null when none of them is inside a checkout.
    /// </summary>
    public static string? TryFind(params string?[] starts)
    {
        if (starts.Length == 0)
        {
            starts = [AppContext.BaseDirectory, Directory.GetCurrentDirectory()];
        }
        foreach (var start in starts)
        {
            for (var dir = start is null ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (IsRoot(dir.FullName))
                {
                    return dir.FullName;
                }
            }
        }
        return null;
    }

    /// <summary>As <see cref="TryFind"/>, but a missing checkout is an error naming where it looked.</summary>
    public static string Find(params string?[] starts) =>
        TryFind(starts) ?? throw new DirectoryNotFoundException(
            $"Not inside the Groundwork repository ({MarkerFile} not found above {string.Join(", ", starts.Length == 0 ? [AppContext.BaseDirectory, Directory.GetCurrentDirectory()] : starts)}).");

    /// <summary>The checkout this program runs from (above its assembly, else above the current directory); found once.</summary>
    public static string Current => CurrentRoot.Value;

    /// <summary>Whether <paramref name="directory"/> is a checkout's root.</summary>
    public static bool IsRoot(string directory) => File.Exists(Path.Combine(directory, MarkerFile));
}
