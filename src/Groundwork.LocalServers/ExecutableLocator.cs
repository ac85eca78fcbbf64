namespace Groundwork.LocalServers;

/// <summary>
/// Finds the server binaries of the OS packages. /usr/sbin is searched too because it is often missing from
/// PATH for non-login shells, and mariadbd lives there.
/// </summary>
internal static class ExecutableLocator
{
    private static readonly string[] FallbackDirectories = ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"];

    public static string Find(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Concat(FallbackDirectories))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException(
            $"'{name}' was not found on PATH or in /usr/sbin. Install the Debian packages: apt-get install -y mariadb-server redis-server.", name);
    }
}
