using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Groundwork.Faults.Tests.Infrastructure;
using Groundwork.Testing;
using Xunit.Abstractions;

namespace Groundwork.Faults.Tests;

/// <summary>Promise 3: Redis dies; redirects and creates go on, limits degrade to per instance, the cache heals itself.</summary>
[Collection(FaultsCollection.Name)]
public sealed class RedisFaultTests(FaultStack stack, ITestOutputHelper output)
{
    [Fact]
    public async Task Redis_killed_and_restarted_fails_no_redirect_or_create_and_cache_and_backplane_recover()
    {
        var seeds = await stack.SeedAsync("s3", 8);
        await using var load = new LoadStream(stack.EdgeUrl, "s3", seeds).Start();
        DataLoss? loss = null;
        (int Allowed1, bool Limited1, bool Instance2Allowed) limit = default;
        var backplaneRecovered = false;
        try
        {
            await load.RunForAtLeastAsync(100, TimeSpan.FromSeconds(2));
            load.Phase = "redis down";
            try
            {
                await stack.CrashAsync(stack.RedisPort);
                await load.RunForAtLeastAsync(150, TimeSpan.FromSeconds(3));
                limit = await PerInstanceLimitAsync();
                await load.RunForAtLeastAsync(50, TimeSpan.FromSeconds(1));
            }
            finally
            {
                load.Phase = "redis restarting";
                await stack.RestartAsync("redis");
            }
            await stack.WaitUntilAllHealthyAsync(TimeSpan.FromSeconds(30));
            load.Phase = "after";
            backplaneRecovered = await BackplaneEvictsOtherInstancesAsync();
            await load.RunForAtLeastAsync(100, TimeSpan.FromSeconds(2));
            await load.StopAsync();
            loss = await DataLoss.MeasureAsync(stack, load, TimeSpan.FromSeconds(20));
        }
        finally
        {
            await load.StopAsync();
            output.WriteLine($"requests {load.Requests}, failures: {load.FailureSummary()}, limit {limit}, backplane {backplaneRecovered}, loss: {loss?.Describe()}");
            ReliabilityResults.Record(new ReliabilityScenarioResult(3,
                "Redis killed and restarted: 0 failed redirects or creates; rate limiting degrades to per instance; cache and backplane recover by themselves",
                "SIGKILL of redis-server for ~5 s, then started again by Aspire (empty: no persistence)",
                load.Requests, load.Failures.Count, load.FailureSummary(), loss?.Short() ?? "not measured",
                load.Failures.Count == 0 && loss is { None: true } && limit.Limited1 && limit.Instance2Allowed && backplaneRecovered,
                $"While Redis was down one client got {limit.Allowed1} creations on instance 1 before a 429 (limit {FaultStack.CreateLimit}/min) and was still served by instance 2: " +
                $"the limit held per instance. After the restart both instances reconnected by themselves and an admin disable on one instance evicted the other's memory copy (backplane): {(backplaneRecovered ? "yes" : "no")}.",
                DateTimeOffset.UtcNow));
        }

        Assert.Empty(load.Failures);
        Assert.True(loss!.None, loss.Describe());
        Assert.True(limit.Limited1, $"instance 1 never said 429 after {limit.Allowed1} creations while Redis was down");
        Assert.True(limit.Instance2Allowed, "instance 2 refused a client instance 1 had limited: the fallback is not per instance");
        Assert.True(backplaneRecovered, "the backplane did not evict the other instance's copy after Redis returned");
    }

    /// <summary>
    /// One client (its address as the load balancer forwards it) spends the whole creation limit on instance 1, then
    /// asks instance 2. Invalid bodies: the limiter counts attempts, and nothing is written.
    /// </summary>
    private async Task<(int Allowed, bool Limited, bool Instance2Allowed)> PerInstanceLimitAsync()
    {
        var client = $"10.3.{Random.Shared.Next(1, 254)}.{Random.Shared.Next(1, 254)}";
        using var one = stack.CreateInstanceClient(1);
        using var two = stack.CreateInstanceClient(2);
        // Limit + 20 attempts, 16 at a time: exactly the limit may pass on one instance.
        var statuses = new List<HttpStatusCode>();
        foreach (var batch in Enumerable.Range(0, FaultStack.CreateLimit + 20).Chunk(16))
        {
            statuses.AddRange(await Task.WhenAll(batch.Select(_ => PostInvalidAsync(one, client))));
        }
        var allowed = statuses.Count(s => s != HttpStatusCode.TooManyRequests);
        var limited = allowed == FaultStack.CreateLimit;
        return (allowed, limited, limited && await PostInvalidAsync(two, client) != HttpStatusCode.TooManyRequests);
    }

    private static async Task<HttpStatusCode> PostInvalidAsync(HttpClient client, string forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/links") { Content = JsonContent.Create(new { url = "not a url" }) };
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>Both instances cache a link; an admin disables it through one; the other must answer 410 soon after.</summary>
    private async Task<bool> BackplaneEvictsOtherInstancesAsync()
    {
        using var admin = stack.CreateEdgeClient(new CookieContainer());
        await EdgeSignIn.SignInAsync(admin, "admin@example.com");
        var slug = $"s3-backplane-{Guid.NewGuid().ToString("N")[..6]}";
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/links", new { url = "https://example.com/backplane", slug })).StatusCode);
        for (var i = 1; i <= stack.ApiInstances; i++)
        {
            using var instance = stack.CreateInstanceClient(i);
            Assert.Equal(HttpStatusCode.Found, (await instance.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/" + slug))).StatusCode);
        }
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/admin/api/links/{slug}/disable", null)).StatusCode);
        var clock = Stopwatch.StartNew();
        for (var i = 1; i <= stack.ApiInstances; i++)
        {
            using var instance = stack.CreateInstanceClient(i);
            HttpStatusCode status;
            do
            {
                status = (await instance.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/" + slug))).StatusCode;
                if (status != HttpStatusCode.Gone)
                {
                    await Task.Delay(100);
                }
            }
            while (status != HttpStatusCode.Gone && clock.Elapsed < TimeSpan.FromSeconds(10));
            if (status != HttpStatusCode.Gone)
            {
                return false;
            }
        }
        output.WriteLine($"both instances answered 410 {clock.ElapsedMilliseconds} ms after the disable");
        return true;
    }
}
