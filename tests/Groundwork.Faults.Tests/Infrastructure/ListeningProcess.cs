using System.Diagnostics;
using System.Globalization;

namespace Groundwork.Faults.Tests.Infrastructure;

/// <summary>
/// Finds the process that listens on a TCP port of the loopback (from /proc, as <c>ss -ltnp</c> does) and kills it
/// with SIGKILL: the crash a fault test injects. Servers run as Aspire executables, so the port is the stable handle.
/// </summary>
public static class ListeningProcess
{
    public static int? FindPid(int port)
    {
        var inodes = ListeningInodes("/proc/net/tcp", port).Concat(ListeningInodes("/proc/net/tcp6", port)).ToHashSet();
        if (inodes.Count == 0)
        {
            return null;
        }
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(dir, "fd")))
                {
                    var target = new FileInfo(fd).LinkTarget;
                    if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal)
                        && inodes.Contains(target["socket:[".Length..^1]))
                    {
                        return pid;
                    }
                }
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                // The process ended while we looked, or is not ours.
            }
        }
        return null;
    }

    /// <summary>SIGKILL (no shutdown hooks, no flush) the process listening on <paramref name="port"/>; returns its pid.</summary>
    public static async Task<int> KillAsync(int port, TimeSpan timeout)
    {
        var pid = FindPid(port) ?? throw new InvalidOperationException($"Nothing listens on 127.0.0.1:{port}.");
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(); // SIGKILL on Linux, sent directly (no kill(1) child process)
        }
        catch (ArgumentException)
        {
            // Already gone between finding it and killing it: the wait below sees the port free.
        }
        var clock = Stopwatch.StartNew();
        while (FindPid(port) is not null)
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Port {port} still has a listener {timeout} after SIGKILL of {pid}.");
            }
            await Task.Delay(50);
        }
        return pid;
    }

    private static IEnumerable<string> ListeningInodes(string table, int port)
    {
        if (!File.Exists(table))
        {
            yield break;
        }
        foreach (var line in File.ReadLines(table).Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
            if (fields.Length < 10 || fields[3] != "0A")
            {
                continue;
            }
            var local = fields[1];
            var localPort = int.Parse(local[(local.LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (localPort == port)
            {
                yield return fields[9];
            }
        }
    }
}
