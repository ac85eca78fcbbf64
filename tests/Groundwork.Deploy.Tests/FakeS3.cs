using System.Collections.Concurrent;
using System.Net;
using Groundwork.Workspace;

namespace Groundwork.Deploy.Tests;

/// <summary>
/// The two S3 REST calls publish makes, over real HTTP (path-style): HeadObject (404 or 200 with the object's
/// x-amz-meta-* headers) and PutObject (stores the body and its x-amz-meta-* headers). S3 cannot run here.
/// </summary>
public sealed class FakeS3 : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly Task loop;

    public sealed record StoredObject(byte[] Body, Dictionary<string, string> Metadata);

    public ConcurrentDictionary<string, StoredObject> Objects { get; } = new();
    public int Puts;
    public string Endpoint { get; }

    public FakeS3()
    {
        var port = FreePorts.Next();
        Endpoint = $"http://127.0.0.1:{port}";
        listener.Prefixes.Add(Endpoint + "/");
        listener.Start();
        loop = Task.Run(ServeAsync);
    }

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            var key = Uri.UnescapeDataString(context.Request.Url!.AbsolutePath.TrimStart('/'));
            var response = context.Response;
            switch (context.Request.HttpMethod)
            {
                case "HEAD" when Objects.TryGetValue(key, out var stored):
                    foreach (var (name, value) in stored.Metadata)
                    {
                        response.Headers["x-amz-meta-" + name] = value;
                    }
                    response.Headers["ETag"] = "\"etag\"";
                    response.ContentLength64 = stored.Body.Length;
                    response.StatusCode = 200;
                    break;
                case "HEAD":
                    response.StatusCode = 404;
                    break;
                case "PUT":
                    using (var body = new MemoryStream())
                    {
                        await context.Request.InputStream.CopyToAsync(body);
                        var metadata = context.Request.Headers.AllKeys
                            .Where(h => h is not null && h.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase))
                            .ToDictionary(h => h!["x-amz-meta-".Length..].ToLowerInvariant(), h => context.Request.Headers[h]!);
                        Objects[key] = new StoredObject(body.ToArray(), metadata);
                        Interlocked.Increment(ref Puts);
                    }
                    response.Headers["ETag"] = "\"etag\"";
                    response.StatusCode = 200;
                    break;
                default:
                    response.StatusCode = 405;
                    break;
            }
            response.Close();
        }
    }

    public void Dispose()
    {
        try
        {
            listener.Stop();
            listener.Close();
        }
        catch (HttpListenerException)
        {
            // The managed HttpListener on Linux may look its endpoint up again while closing and try to bind the port,
            // which another test can hold by then ("Address already in use"): the listener is closed either way.
        }
        loop.Wait(TimeSpan.FromSeconds(5));
    }
}
