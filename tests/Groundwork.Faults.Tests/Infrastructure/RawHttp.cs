using System.Net.Sockets;
using System.Text;

namespace Groundwork.Faults.Tests.Infrastructure;

/// <summary>
/// Requests HttpClient refuses to send (invalid bytes in the request line, smuggling attempts, broken framing) and
/// slow clients, written straight to a socket. Returns the status code, or 0 when the server closed the connection
/// without answering (a valid reaction to garbage).
/// </summary>
public static class RawHttp
{
    public static async Task<(int Status, string Head, string Body)> SendAsync(int port, byte[] request, TimeSpan timeout)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await stream.WriteAsync(request, cts.Token);
            return Parse(await ReadAsync(stream, cts.Token));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            return (0, e.GetType().Name, "");
        }
    }

    /// <summary>Sends the head at once, then the body one chunk per <paramref name="pause"/> (a slow or stalling client).</summary>
    public static async Task<(int Status, string Head, string Body)> SendSlowlyAsync(int port, string head, byte[] body, int chunk, TimeSpan pause, int stopAfterChunks, TimeSpan timeout)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head), cts.Token);
            var reading = ReadAsync(stream, cts.Token);
            var sent = 0;
            for (var offset = 0; offset < body.Length && sent < stopAfterChunks && !reading.IsCompleted; offset += chunk, sent++)
            {
                await stream.WriteAsync(body.AsMemory(offset, Math.Min(chunk, body.Length - offset)), cts.Token);
                await Task.Delay(pause, cts.Token);
            }
            return Parse(await reading);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            return (0, e.GetType().Name, "");
        }
    }

    /// <summary>Opens a connection and sends half a request head, then nothing (slowloris); dispose to close.</summary>
    public static async Task<TcpClient> OpenHalfHeadAsync(int port)
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "));
        return client;
    }

    private static async Task<byte[]> ReadAsync(NetworkStream stream, CancellationToken ct)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        while (true)
        {
            var read = await stream.ReadAsync(chunk, ct);
            if (read == 0)
            {
                break;
            }
            buffer.Write(chunk, 0, read);
            var text = Encoding.Latin1.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0 && IsComplete(text, end))
            {
                break;
            }
        }
        return buffer.ToArray();
    }

    private static bool IsComplete(string text, int headEnd)
    {
        var head = text[..headEnd];
        var length = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        if (length is not null && int.TryParse(length["Content-Length:".Length..].Trim(), out var n))
        {
            return text.Length - headEnd - 4 >= n;
        }
        if (head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            return text.EndsWith("0\r\n\r\n", StringComparison.Ordinal);
        }
        return true; // no body
    }

    private static (int, string, string) Parse(byte[] response)
    {
        var text = Encoding.Latin1.GetString(response);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = end < 0 ? text : text[..end];
        var body = end < 0 ? "" : text[(end + 4)..];
        var parts = head.Split(' ', 3);
        return parts.Length >= 2 && int.TryParse(parts[1], out var status) ? (status, head, body) : (0, head, body);
    }
}
