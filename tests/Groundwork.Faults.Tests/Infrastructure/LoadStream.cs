using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Groundwork.Faults.Tests.Infrastructure;

/// <summary>A link the load stream follows; created before the fault so reads of known links can be checked.</summary>
public sealed record SeedLink(string Slug, string Url);

/// <summary>One request of the stream that did not get the answer a healthy stack gives.</summary>
/// <param name="At">When the answer (or the error) came, so a scenario can measure how long an operation was unavailable.</param>
public sealed record FailedRequest(string Operation, string Phase, int Status, bool IsProblem, bool HasRetryAfter, double Milliseconds, string? Slug, string Error, DateTimeOffset At = default);

/// <summary>
/// The steady request stream of a fault scenario, through the edge like real users: redirects of known links,
/// link creations (custom slugs, so a failed creation can be checked for a silent write later), stats and click
/// series reads. It counts every request, every failure by status, every click it caused (302s) and every link it
/// created, so the scenario can say how many requests failed and whether data was lost.
/// </summary>
public sealed class LoadStream : IAsyncDisposable
{
    private readonly Uri _edge;
    private readonly string _tag;
    private readonly IReadOnlyList<SeedLink> _seeds;
    private readonly int _workers;
    private readonly TimeSpan _pause;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _running = [];
    private readonly ConcurrentDictionary<string, int> _requests = new();
    private readonly ConcurrentQueue<FailedRequest> _failures = new();
    private readonly ConcurrentDictionary<string, int> _clicks = new();
    private readonly ConcurrentDictionary<string, string> _created = new();
    private readonly ConcurrentDictionary<string, string> _failedCreates = new();
    private readonly ConcurrentDictionary<string, long> _highestStats = new();
    private readonly ConcurrentQueue<string> _statsWentBackwards = new();
    private int _sequence;
    // Pause/Resume: a worker counts itself in flight before it looks at the gate, so PauseAsync, which closes the gate
    // before it counts, can never miss a request that got past it.
    private TaskCompletionSource _resumed = Open();
    private int _inFlight;

    public LoadStream(Uri edge, string tag, IReadOnlyList<SeedLink> seeds, int workers = 3, TimeSpan? pause = null)
    {
        _edge = edge;
        _tag = tag;
        _seeds = seeds;
        _workers = workers;
        _pause = pause ?? TimeSpan.FromMilliseconds(25);
    }

    /// <summary>What the scenario is doing now (e.g. "outage"); recorded with every failure.</summary>
    public string Phase { get; set; } = "before";

    /// <summary>Which operations run and how often (weights).</summary>
    public (int Redirect, int Create, int Stats, int Series) Mix { get; init; } = (70, 8, 12, 10);

    public int Requests => _requests.Values.Sum();
    public IReadOnlyDictionary<string, int> RequestsByOperation => _requests;
    public IReadOnlyCollection<FailedRequest> Failures => _failures;
    public IReadOnlyDictionary<string, int> ClicksBySlug => _clicks;
    public IReadOnlyDictionary<string, string> Created => _created;
    public IReadOnlyDictionary<string, string> FailedCreates => _failedCreates;
    public IReadOnlyCollection<string> StatsWentBackwards => _statsWentBackwards;

    public LoadStream Start()
    {
        for (var i = 0; i < _workers; i++)
        {
            var worker = i;
            _running.Add(Task.Run(() => RunAsync(worker)));
        }
        return this;
    }

    /// <summary>Waits until the stream has sent at least <paramref name="more"/> further requests (so a phase saw traffic).</summary>
    public async Task RunForAtLeastAsync(int more, TimeSpan atLeast)
    {
        var target = Requests + more;
        var clock = Stopwatch.StartNew();
        while (Requests < target || clock.Elapsed < atLeast)
        {
            if (clock.Elapsed > atLeast + TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"The request stream stalled: {Requests} of {target} requests after {clock.Elapsed}.");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>Sends no new request until <see cref="Resume"/>, and returns once none is in flight.</summary>
    public async Task PauseAsync()
    {
        Interlocked.Exchange(ref _resumed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        while (Volatile.Read(ref _inFlight) > 0)
        {
            await Task.Delay(5);
        }
    }

    public void Resume() => Volatile.Read(ref _resumed).TrySetResult();

    private static TaskCompletionSource Open()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }

    /// <summary>Counts a request in flight once the gate is open; false when the stream stops meanwhile.</summary>
    private async Task<bool> EnterAsync()
    {
        while (true)
        {
            Interlocked.Increment(ref _inFlight);
            var gate = Volatile.Read(ref _resumed);
            if (gate.Task.IsCompleted)
            {
                return true;
            }
            Interlocked.Decrement(ref _inFlight);
            try
            {
                await gate.Task.WaitAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_running);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }
        _stop.Dispose();
    }

    public string FailureSummary() => _failures.Count == 0
        ? "none"
        : string.Join("; ", _failures.GroupBy(f => (f.Operation, f.Status, f.Phase)).OrderBy(g => g.Key.Operation)
            .Select(g => $"{g.Count()}× {g.Key.Operation} → {(g.Key.Status == 0 ? "no response" : g.Key.Status.ToString(System.Globalization.CultureInfo.InvariantCulture))} ({g.Key.Phase})"));

    private async Task RunAsync(int worker)
    {
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, PooledConnectionLifetime = TimeSpan.FromSeconds(30) })
        {
            BaseAddress = _edge,
            Timeout = TimeSpan.FromSeconds(15),
        };
        var random = new Random(worker * 7919 + Environment.TickCount);
        var total = Mix.Redirect + Mix.Create + Mix.Stats + Mix.Series;
        while (!_stop.IsCancellationRequested)
        {
            var pick = random.Next(total);
            var seed = _seeds[random.Next(_seeds.Count)];
            if (pick < Mix.Redirect)
            {
                await SendAsync(client, "redirect", seed.Slug, HttpMethod.Get, "/" + seed.Slug, null, r =>
                {
                    if (r.StatusCode == HttpStatusCode.Found && r.Headers.Location?.OriginalString == seed.Url)
                    {
                        _clicks.AddOrUpdate(seed.Slug, 1, (_, n) => n + 1);
                        return Task.FromResult<string?>(null);
                    }
                    return Task.FromResult<string?>($"expected 302 to {seed.Url}");
                });
            }
            else if ((pick -= Mix.Redirect) < Mix.Create)
            {
                var slug = $"{_tag}-{Interlocked.Increment(ref _sequence)}-{random.Next(1_000_000)}";
                var url = $"https://example.com/{_tag}/{slug}?q=1";
                await SendAsync(client, "create", slug, HttpMethod.Post, "/api/links", JsonContent.Create(new { url, slug }), r =>
                {
                    if (r.StatusCode == HttpStatusCode.Created)
                    {
                        _created[slug] = url;
                        return Task.FromResult<string?>(null);
                    }
                    _failedCreates[slug] = url;
                    return Task.FromResult<string?>("expected 201");
                });
            }
            else if ((pick -= Mix.Create) < Mix.Stats)
            {
                await SendAsync(client, "stats", seed.Slug, HttpMethod.Get, $"/api/links/{seed.Slug}", null, async r =>
                {
                    if (r.StatusCode != HttpStatusCode.OK)
                    {
                        return "expected 200";
                    }
                    var clicks = (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("clicks").GetInt64();
                    var highest = _highestStats.AddOrUpdate(seed.Slug, clicks, (_, h) => Math.Max(h, clicks));
                    if (clicks < highest)
                    {
                        _statsWentBackwards.Enqueue($"{seed.Slug}: {clicks} after {highest}");
                    }
                    return null;
                });
            }
            else
            {
                await SendAsync(client, "series", seed.Slug, HttpMethod.Get, $"/api/links/{seed.Slug}/clicks", null,
                    r => Task.FromResult<string?>(r.StatusCode == HttpStatusCode.OK ? null : "expected 200"));
            }
            try
            {
                await Task.Delay(_pause, _stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private async Task SendAsync(HttpClient client, string operation, string slug, HttpMethod method, string path, HttpContent? body, Func<HttpResponseMessage, Task<string?>> check)
    {
        if (!await EnterAsync())
        {
            return;
        }
        try
        {
            await SendEnteredAsync(client, operation, slug, method, path, body, check);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task SendEnteredAsync(HttpClient client, string operation, string slug, HttpMethod method, string path, HttpContent? body, Func<HttpResponseMessage, Task<string?>> check)
    {
        _requests.AddOrUpdate(operation, 1, (_, n) => n + 1);
        var phase = Phase;
        var clock = Stopwatch.StartNew();
        try
        {
            using var request = new HttpRequestMessage(method, path) { Content = body };
            using var response = await client.SendAsync(request);
            var error = await check(response);
            if (error is not null)
            {
                var isProblem = response.Content.Headers.ContentType?.MediaType == "application/problem+json";
                _failures.Enqueue(new FailedRequest(operation, phase, (int)response.StatusCode, isProblem, response.Headers.RetryAfter is not null,
                    clock.Elapsed.TotalMilliseconds, slug, error, DateTimeOffset.UtcNow));
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or System.Text.Json.JsonException or InvalidOperationException or KeyNotFoundException)
        {
            if (operation == "create")
            {
                _failedCreates[slug] = "";
            }
            _failures.Enqueue(new FailedRequest(operation, phase, 0, false, false, clock.Elapsed.TotalMilliseconds, slug, e.GetType().Name + ": " + e.Message, DateTimeOffset.UtcNow));
        }
    }
}
