using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Groundwork.Bench;

/// <summary>Resident memory of the servers, from /proc (Linux).</summary>
public static partial class ProcessMemory
{
    /// <summary>The process listening on a loopback port (found with ss), or null.</summary>
    public static int? PidListeningOn(int port)
    {
        var start = new ProcessStartInfo("ss", ["-Hltnp", $"sport = :{port.ToString(CultureInfo.InvariantCulture)}"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var ss = Process.Start(start);
        if (ss is null)
        {
            return null;
        }
        var output = ss.StandardOutput.ReadToEnd();
        ss.WaitForExit();
        var match = PidPattern().Match(output);
        return match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    public static double RssMiB(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
            }
        }
        return double.NaN;
    }

    /// <summary>
    /// Where a process's resident memory is: anonymous pages (the GC heap, JIT code, native allocations, thread stacks)
    /// and file-backed pages (mapped assemblies and native libraries), from /proc/pid/status (RssAnon, RssFile + RssShmem).
    /// </summary>
    public static (double AnonMiB, double FileMiB) RssBreakdownMiB(int pid)
    {
        double anon = double.NaN, file = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            double Kib(string prefix) => long.Parse(line[prefix.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
            if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
            {
                anon = Kib("RssAnon:");
            }
            else if (line.StartsWith("RssFile:", StringComparison.Ordinal))
            {
                file += Kib("RssFile:");
            }
            else if (line.StartsWith("RssShmem:", StringComparison.Ordinal))
            {
                file += Kib("RssShmem:");
            }
        }
        return (anon, file);
    }

    /// <summary>Sum over a process group (nginx: master + workers).</summary>
    public static double GroupRssMiB(int pgid)
    {
        double total = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[2], CultureInfo.InvariantCulture) == pgid)
                {
                    total += RssMiB(pid);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return total;
    }

    /// <summary>
    /// The Aspire dashboard of the AppHost with this pid (the local OTLP sink): a process named Aspire.Dashboard whose
    /// ancestors include the DCP started with <c>--monitor &lt;appHostPid&gt;</c>, or the AppHost itself.
    /// </summary>
    public static int? DashboardOf(int appHostPid)
    {
        var parents = new Dictionary<int, int>();
        var commandLines = new Dictionary<int, string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                parents[pid] = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                commandLines[pid] = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        var monitor = "--monitor " + appHostPid.ToString(CultureInfo.InvariantCulture) + " ";
        bool BelongsToAppHost(int pid)
        {
            for (var hops = 0; hops < 10 && pid > 1; hops++)
            {
                if (pid == appHostPid || (commandLines.TryGetValue(pid, out var cmd) && cmd.Contains(monitor, StringComparison.Ordinal)))
                {
                    return true;
                }
                if (!parents.TryGetValue(pid, out pid))
                {
                    return false;
                }
            }
            return false;
        }
        return commandLines.Where(kv => kv.Value.Contains("Aspire.Dashboard", StringComparison.Ordinal) && BelongsToAppHost(kv.Key))
            .Select(kv => (int?)kv.Key).FirstOrDefault();
    }

    [GeneratedRegex(@"pid=(\d+)")]
    private static partial Regex PidPattern();
}
