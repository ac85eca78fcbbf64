using System.Net;
using System.Net.Sockets;
using MySqlConnector;

namespace Groundwork.Api.Tests;

/// <summary>
/// A TCP forwarder in front of the primary that counts round trips: a round trip is a burst of client bytes sent after
/// the server last spoke (pipelined packets count once, as they cost one network wait). Protocol-agnostic, so it works
/// on the TLS connections the app makes, and counts what the network would see between an app server and RDS.
/// </summary>
internal sealed class RoundTripCounter : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private long _roundTrips;

    public RoundTripCounter(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        _accepting = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public long RoundTrips => Interlocked.Read(ref _roundTrips);

    /// <summary>The connection string with its endpoint moved onto this counter.</summary>
    public string Through(string connectionString) =>
        new MySqlConnectionStringBuilder(connectionString) { Server = "127.0.0.1", Port = (uint)Port }.ConnectionString;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = Task.Run(() => ForwardAsync(client));
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            await server.ConnectAsync(IPAddress.Loopback, _targetPort);
            // 1: the server spoke last (or nobody yet: MySQL's server speaks first, its greeting).
            var serverSpokeLast = 1;
            var up = PumpAsync(client.GetStream(), server.GetStream(), () =>
            {
                if (Interlocked.Exchange(ref serverSpokeLast, 0) == 1)
                {
                    Interlocked.Increment(ref _roundTrips);
                }
            });
            var down = PumpAsync(server.GetStream(), client.GetStream(), () => Interlocked.Exchange(ref serverSpokeLast, 1));
            await Task.WhenAny(up, down);
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, Action onData)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
            {
                onData();
                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
