using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Groundwork.Bench;

/// <summary>
/// Round trips from the app instances to a server, counted by the kernel: the data segments the instances' client
/// sockets sent to that server's port (<c>ss -ti</c>: <c>data_segs_out</c>). A request the client writes at once (one
/// COM_QUERY, or statements batched or pipelined into one write) is one segment on loopback, and the client waits for
/// the answer before the next one; so segments per create count the round trips per create, whatever the statements
/// inside. An upper bound: over TLS each write is its own segment, so commands the client pipelines without waiting
/// (MySqlConnector's reset of a pooled connection before its first command) count once each. MariaDB's own logs
/// cannot do better: the general log records each statement of a batch separately.
/// Only sockets alive at both readings count fully, which is what pooled connections are; the benchmark's own short
/// connections (counter reads) belong to another process and are not counted.
/// </summary>
public static partial class RoundTrips
{
    /// <summary>Sum of data_segs_out over established sockets of <paramref name="pids"/> connected to <paramref name="port"/>.</summary>
    public static long DataSegmentsSent(int port, IReadOnlyCollection<int> pids)
    {
        var start = new ProcessStartInfo("ss", ["-Htinp", "state", "established", $"( dport = :{port.ToString(CultureInfo.InvariantCulture)} )"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var ss = Process.Start(start) ?? throw new InvalidOperationException("ss did not start");
        var output = ss.StandardOutput.ReadToEnd();
        ss.WaitForExit();
        return Sum(output, pids);
    }

    /// <summary>ss prints each socket as a line with its owner (users:(("name",pid=N,fd=M))) and a line of TCP info.</summary>
    public static long Sum(string ssOutput, IReadOnlyCollection<int> pids)
    {
        long total = 0;
        var owned = false;
        foreach (var line in ssOutput.Split('\n'))
        {
            if (!line.StartsWith('\t') && !line.StartsWith(' '))
            {
                var owner = PidPattern().Match(line);
                owned = owner.Success && pids.Contains(int.Parse(owner.Groups[1].Value, CultureInfo.InvariantCulture));
            }
            if (owned && SegmentsPattern().Match(line) is { Success: true } segments)
            {
                total += long.Parse(segments.Groups[1].Value, CultureInfo.InvariantCulture);
            }
        }
        return total;
    }

    [GeneratedRegex(@"pid=(\d+)")]
    private static partial Regex PidPattern();

    [GeneratedRegex(@"\bdata_segs_out:(\d+)")]
    private static partial Regex SegmentsPattern();
}
