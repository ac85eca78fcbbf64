using System.Net.Sockets;
using System.Text;

namespace Groundwork.Edge.Tests;

/// <summary>Requests no client library would send, written on a raw socket: the edge answers them itself with a 4xx.</summary>
public sealed class MalformedRequestTests(EdgeFixture fixture) : IClassFixture<EdgeFixture>
{
    [Theory]
    [InlineData("CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n", 405)]
    [InlineData("TRACE /api/links HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 405)]
    [InlineData("POST /api/links HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", 400)]
    public async Task Tunnels_echoes_and_broken_framing_get_a_4xx_not_a_502(string raw, int expected)
    {
        var uri = new Uri(fixture.Edge.BaseUrl);
        using var socket = new TcpClient();
        await socket.ConnectAsync(uri.Host, uri.Port);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.Latin1.GetBytes(raw));
        using var reader = new StreamReader(stream, Encoding.Latin1);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var statusLine = await reader.ReadLineAsync(timeout.Token);

        Assert.NotNull(statusLine);
        Assert.StartsWith($"HTTP/1.1 {expected} ", statusLine);
    }
}
