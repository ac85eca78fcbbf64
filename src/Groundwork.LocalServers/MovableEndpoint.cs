using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Groundwork.LocalServers;

/// <summary>
/// A TCP endpoint on 127.0.0.1 that forwards every connection to a target port it can be told to change: the local
/// counterpart of an RDS endpoint's DNS name, which a Multi-AZ failover points at the standby. Moving it resets
/// (RST) every connection made through it, as the old primary going away does, and sends new connections to the new
/// target. A connection whose target does not answer is reset at once, like a connect to a dead host.
/// </summary>
public sealed class MovableEndpoint : IAsyncDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Forwarding, byte> _open = new();
    private readonly Task _accepting;
    private volatile int _targetPort;
    private int _disposed;

    private MovableEndpoint(string name, TcpListener listener, int targetPort)
    {
        Name = name;
        _listener = listener;
        _targetPort = targetPort;
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _accepting = Task.Run(AcceptAsync);
    }

    public string Name { get; }

    /// <summary>The port clients connect to (never changes).</summary>
    public int Port { get; }

    /// <summary>The server port new connections go to.</summary>
    public int TargetPort => _targetPort;

    /// <summary>Connections currently forwarded.</summary>
    public int OpenConnections => _open.Count;

    /// <summary>Listens on 127.0.0.1:<paramref name="port"/> (0: a free port the kernel picks).</summary>
    public static MovableEndpoint Start(string name, int port, int targetPort)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start(backlog: 512);
        return new MovableEndpoint(name, listener, targetPort);
    }

    /// <summary>New connections go to <paramref name="targetPort"/>; every open one is reset (also when the target stays).</summary>
    public int MoveTo(int targetPort)
    {
        _targetPort = targetPort;
        var reset = 0;
        foreach (var forwarding in _open.Keys)
        {
            if (_open.TryRemove(forwarding, out _))
            {
                forwarding.Reset();
                reset++;
            }
        }
        return reset;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        try
        {
            await _accepting.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        MoveTo(_targetPort);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException && _stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // one failed accept (e.g. the client gave up) must not end the endpoint
            }
            _ = Task.Run(() => ForwardAsync(client));
        }
    }

    private async Task ForwardAsync(Socket client)
    {
        var target = _targetPort;
        var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(ConnectTimeout);
            await upstream.ConnectAsync(new IPEndPoint(IPAddress.Loopback, target), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            Forwarding.ResetSocket(client);
            upstream.Dispose();
            return;
        }

        var forwarding = new Forwarding(client, upstream);
        _open[forwarding] = 0;
        // A move that ran while this connection was being made must not leave it on the old target.
        if (target != _targetPort && _open.TryRemove(forwarding, out _))
        {
            forwarding.Reset();
            return;
        }
        await forwarding.PumpAsync().ConfigureAwait(false);
        if (_open.TryRemove(forwarding, out _)) forwarding.Close();
    }

    private sealed class Forwarding(Socket client, Socket upstream)
    {
        private int _closed;

        public async Task PumpAsync()
        {
            // Either direction ending (EOF or error) ends both: a half-open MySQL session is of no use.
            var toServer = CopyAsync(client, upstream);
            var toClient = CopyAsync(upstream, client);
            await Task.WhenAny(toServer, toClient).ConfigureAwait(false);
            Close();
            await Task.WhenAll(toServer, toClient).ConfigureAwait(false);
        }

        /// <summary>RST both sides: the client sees "connection reset", as when a server host disappears.</summary>
        public void Reset()
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0) return;
            ResetSocket(client);
            ResetSocket(upstream);
        }

        public void Close()
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0) return;
            client.Dispose();
            upstream.Dispose();
        }

        public static void ResetSocket(Socket socket)
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
            socket.Dispose();
        }

        private static async Task CopyAsync(Socket from, Socket to)
        {
            var buffer = new byte[16 * 1024];
            try
            {
                while (true)
                {
                    var read = await from.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
                    if (read == 0) return;
                    var sent = 0;
                    while (sent < read)
                        sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }
    }
}
