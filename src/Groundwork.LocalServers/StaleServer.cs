using System.Diagnostics;
using System.Globalization;

namespace Groundwork.LocalServers;

/// <summary>
/// Stops a server left running by an earlier process that died without disposing its tier (a crashed test host).
/// Such a server would hold the data directory's lock and the port, so the new one could not start. Only a process
/// whose command line names this instance (its option file, its port) is touched.
/// </summary>
internal static class StaleServer
{
    public static async Task StopAsync(string pidFile, string commandLineMarker)
    {
        if (!OperatingSystem.IsLinux() || !File.Exists(pidFile)) return;
        if (!int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) return;
        if (!IsLiveProcessWith(pid, commandLineMarker)) return;

        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (ArgumentException)
        {
            return; // already gone
        }
        catch (InvalidOperationException)
        {
            return;
        }

        // Not our child, so we cannot reap it; and PID 1 here may never reap it either. A zombie has released its
        // locks and ports, which is all that matters, so wait for "gone or zombie".
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (IsLiveProcessWith(pid, commandLineMarker) && DateTime.UtcNow < deadline)
            await Task.Delay(50).ConfigureAwait(false);
    }

    private static bool IsLiveProcessWith(int pid, string marker)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The state follows the parenthesised command name: "pid (comm) S ...".
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            if (state is "Z" or "X") return false;
            var commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
            return commandLine.Contains(marker, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
