using System.Net;
using System.Net.Sockets;

namespace Groundwork.Workspace;

/// <summary>
/// Free TCP ports on the loopback, picked by the kernel, so parallel stacks, tests and helpers on one machine never
/// collide on fixed ports. A port is free when returned; whoever binds it next a moment later owns it.
/// </summary>
public static class FreePorts
{
    /// <summary>One free port.</summary>
    public static int Next() => Take(1)[0];

    /// <summary><paramref name="count"/> distinct free ports.</summary>
    public static int[] Take(int count)
    {
        // Hold all listeners open until every port is chosen, so the kernel cannot hand out the same port twice.
        var listeners = new List<TcpListener>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
            }
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            foreach (var listener in listeners) listener.Stop();
        }
    }
}
