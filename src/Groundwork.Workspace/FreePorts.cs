using System.Net;
using System.Net.Sockets;

namespace Groundwork.Workspace;

/// <summary>
/// Free TCP ports on the loopback, picked by the kernel, so parallel stacks, tests and helpers on one machine never
/// collide on fixed ports. A port is free when returned; whoever binds it next a moment later owns it.
/// </summary>
/// <remarks>
/// The kernel picks a random free port on each bind to port 0, so two picks made apart (a test's database ports, then
/// its stack's instance ports) can return the same port while neither is bound yet: about one pick in 14,000 on
/// Linux's default range, enough to fail a CI run now and then (one did: an instance that could not bind). So a port
/// is handed out once per process.
/// </remarks>
public static class FreePorts
{
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>One free port.</summary>
    public static int Next() => Take(1)[0];

    /// <summary><paramref name="count"/> distinct free ports, none handed out before in this process.</summary>
    public static int[] Take(int count)
    {
        // Hold every listener open until all ports are chosen, so the kernel cannot hand out the same port twice,
        // including the ones skipped because this process already gave them out.
        var listeners = new List<TcpListener>();
        var chosen = new List<int>(count);
        lock (HandedOut)
        {
            try
            {
                while (chosen.Count < count)
                {
                    var listener = new TcpListener(IPAddress.Loopback, 0);
                    listener.Start();
                    listeners.Add(listener);
                    var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                    if (HandedOut.Add(port))
                    {
                        chosen.Add(port);
                    }
                }
                return [.. chosen];
            }
            finally
            {
                foreach (var listener in listeners) listener.Stop();
            }
        }
    }
}
