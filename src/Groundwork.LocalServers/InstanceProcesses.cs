using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Groundwork.LocalServers;

/// <summary>
/// App server processes on this machine (Linux /proc): start one detached from the tool, find the one listening on a
/// port (AppHost-started instances are not ours, so their pid comes from the socket), stop one gracefully.
/// Graceful matters: the Api flushes its pending click counts on SIGTERM, so an instance is never SIGKILLed.
/// </summary>
public static class InstanceProcesses
{
    private const int SigTerm = 15;

    // Not CliWrap (the one way child processes are run elsewhere): instances outlive the tool that started them and are
    // stopped by a later run, by pid; CliWrap only signals processes it is running itself, and its graceful
    // cancellation sends SIGINT, not the SIGTERM the Api drains on. Likewise StartDetached returns as soon as the
    // instance runs, which CliWrap's run-to-exit model does not do.
    // DllImport, not LibraryImport: two ints need no marshalling stubs and no unsafe code.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>
    /// Starts <c>dotnet app.dll --urls url</c> in a session of its own (setsid), stdio to a log file, so it outlives the
    /// tool and does not get the terminal's SIGINT/SIGHUP. setsid execs in place, so the pid is dotnet's own.
    /// </summary>
    public static int StartDetached(string appDll, string url, IReadOnlyDictionary<string, string?> environment, string logFile)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(logFile)!);
        var start = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(appDll)!,
        };
        foreach (var argument in new[] { "-c", "exec setsid \"$@\" >>\"$GROUNDWORK_INSTANCE_LOG\" 2>&1 </dev/null", "sh", "dotnet", appDll, "--urls", url })
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }
        start.Environment["GROUNDWORK_INSTANCE_LOG"] = logFile;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Process.Start returned null.");
        return process.Id;
    }

    /// <summary>Alive and not a zombie (PID 1 here does not reap orphans, and kill -0 says a zombie is alive).</summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state != "Z" && state != "X";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM, then wait for the process to exit (the Api drains and flushes its clicks), at most <paramref name="timeout"/>.</summary>
    public static async Task<bool> StopGracefullyAsync(int pid, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!IsRunning(pid))
        {
            return true;
        }
        if (Kill(pid, SigTerm) != 0 && IsRunning(pid))
        {
            throw new InvalidOperationException($"kill({pid}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        }
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (!IsRunning(pid))
            {
                return true;
            }
            await Task.Delay(100, cancellationToken);
        }
        return !IsRunning(pid);
    }

    /// <summary>The pid of the process listening on 127.0.0.1/0.0.0.0/[::] <paramref name="port"/>, from /proc/net/tcp* and /proc/*/fd.</summary>
    public static int? FindListener(int port)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table))
            {
                continue;
            }
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode; st 0A = LISTEN.
                if (fields.Length > 9 && fields[3] == "0A" &&
                    int.Parse(fields[1][(fields[1].LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture) == port)
                {
                    inodes.Add($"socket:[{fields[9]}]");
                }
            }
        }
        if (inodes.Count == 0)
        {
            return null;
        }
        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(process), out var pid))
            {
                continue;
            }
            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(process, "fd")))
                {
                    if (new FileInfo(fd).LinkTarget is { } target && inodes.Contains(target))
                    {
                        return pid;
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while we looked, or is not ours to inspect.
            }
        }
        return null;
    }

}
