using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Groundwork.Web.Tests;

/// <summary>
/// Stands in for the external sites short links point to. Chromium resolves example.com to this loopback listener
/// (--host-resolver-rules), so following a short link ends on a real page without touching the internet.
/// Playwright's page.route would not do: it does not see the request that a redirect starts.
/// </summary>
public sealed class StubTarget : IDisposable
{
    public const string Host = "example.com";
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentQueue<string> paths = new();
    private readonly CancellationTokenSource stopping = new();

    public StubTarget()
    {
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _ = Task.Run(AcceptAsync);
    }

    public int Port { get; }

    /// <summary>Path and query of every request the stub answered.</summary>
    public IReadOnlyCollection<string> Paths => paths;

    /// <summary>A unique target URL on the stubbed host.</summary>
    public static string NewUrl(string label) => $"http://{Host}/{label}/{Guid.NewGuid():N}?from=groundwork";

    private async Task AcceptAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => AnswerAsync(client));
        }
    }

    /// <summary>One request per connection (Connection: close): the request line is all the stub needs.</summary>
    private async Task AnswerAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
                var requestLine = await reader.ReadLineAsync(stopping.Token) ?? "";
                while (!string.IsNullOrEmpty(await reader.ReadLineAsync(stopping.Token)))
                {
                    // skip the headers
                }
                var parts = requestLine.Split(' ');
                var path = parts.Length >= 2 ? parts[1] : "/";
                paths.Enqueue(path);
                var body = Encoding.UTF8.GetBytes(
                    $"<!doctype html><html lang=\"en\"><head><title>Stub target</title></head><body><h1>Stub target</h1><p id=\"path\">{WebUtility.HtmlEncode(path)}</p></body></html>");
                var head = Encoding.ASCII.GetBytes(
                    $"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
                await stream.WriteAsync(head, stopping.Token);
                await stream.WriteAsync(body, stopping.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
            {
                // The browser went away; nothing to answer.
            }
        }
    }

    public void Dispose()
    {
        stopping.Cancel();
        listener.Stop();
        stopping.Dispose();
    }
}
