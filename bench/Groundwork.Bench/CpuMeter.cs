using System.Globalization;

namespace Groundwork.Bench;

/// <summary>
/// CPU time consumed by a set of server processes (user + system, from /proc/&lt;pid&gt;/stat). CPU per request is the
/// figure that survives a noisy machine best: other work on the cores slows a server down, but barely changes how
/// much CPU it spends on each request.
/// </summary>
public sealed class CpuMeter(string name, IReadOnlyList<int> pids, IReadOnlyList<int> processGroups)
{
    /// <summary>USER_HZ: the unit of utime/stime; 100 on every Linux this runs on.</summary>
    private const double TicksPerSecond = 100;

    public string Name { get; } = name;

    public static CpuMeter ForListeners(string name, params int[] ports) =>
        new(name, [.. ports.Select(ProcessMemory.PidListeningOn).OfType<int>().Distinct()], []);

    public static CpuMeter ForGroup(string name, int processGroup) => new(name, [], [processGroup]);

    public double CpuSeconds()
    {
        long ticks = 0;
        foreach (var pid in pids)
        {
            ticks += Ticks(pid) ?? 0;
        }
        if (processGroups.Count > 0)
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (int.TryParse(Path.GetFileName(dir), out var pid) && Stat(pid) is { } fields
                    && processGroups.Contains(int.Parse(fields[2], CultureInfo.InvariantCulture)))
                {
                    ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                }
            }
        }
        return ticks / TicksPerSecond;
    }

    private static long? Ticks(int pid) => Stat(pid) is { } fields
        ? long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)
        : null;

    /// <summary>The fields of /proc/pid/stat after the command name: [0] state, [2] pgrp, [11] utime, [12] stime.</summary>
    private static string[]? Stat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>A load run with the CPU its servers spent on it.</summary>
public sealed record MeasuredLoad(WrkResult Load, double CpuSeconds)
{
    public double CpuUsPerRequest => Load.Requests == 0 ? double.NaN : CpuSeconds * 1e6 / Load.Requests;
}
