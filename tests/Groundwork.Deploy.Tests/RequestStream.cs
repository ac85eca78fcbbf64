using System.Collections.Concurrent;
using System.Net;

namespace Groundwork.Deploy.Tests;

/// <summary>
/// Users following a short link through the edge, several at once, without pause, until stopped: every answer
/// that is not the 302 (or a transport error) is a failed request.
/// </summary>
public sealed class RequestStream : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task[] workers;
    private long redirects;

    public ConcurrentQueue<string> Failures { get; } = new();
    public long Redirects => Interlocked.Read(ref redirects);

    public RequestStream(Func<HttpClient> client, string path, int concurrency = 4)
    {
        workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            using var http = client();
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    // Not cancelled mid-flight: a request the app answered must be counted, or clicks != redirects.
                    using var response = await http.GetAsync(path, CancellationToken.None);
                    if (response.StatusCode == HttpStatusCode.Found)
                    {
                        Interlocked.Increment(ref redirects);
                    }
                    else
                    {
                        Failures.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {(int)response.StatusCode}");
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    Failures.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {e.GetType().Name}: {e.Message}");
                }
            }
        })).ToArray();
    }

    /// <summary>Waits (no deadline of its own: the test's timeout bounds it) until at least <paramref name="count"/> more redirects.</summary>
    public async Task WaitForMoreAsync(long count)
    {
        var target = Redirects + count;
        while (Redirects < target && Failures.IsEmpty)
        {
            await Task.Delay(50);
        }
    }

    /// <summary>Stops the users and waits for their last requests (idempotent: tests stop it before counting).</summary>
    public async ValueTask DisposeAsync()
    {
        if (!stop.IsCancellationRequested)
        {
            await stop.CancelAsync();
        }
        await Task.WhenAll(workers);
    }
}
