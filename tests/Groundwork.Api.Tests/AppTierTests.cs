using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Groundwork.Api.Links;
using Groundwork.ServiceDefaults.Data;
using Groundwork.ServiceDefaults.ReadYourWrites;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using ZiggyCreatures.Caching.Fusion;
using Xunit.Abstractions;

namespace Groundwork.Api.Tests;

[CollectionDefinition(Name)]
public sealed class ApiTierCollection : ICollectionFixture<ApiTierFixture>
{
    public const string Name = "api tier";
}

/// <summary>The app tier on a real primary + replica + Redis, with faults injected into the real servers.</summary>
[Collection(ApiTierCollection.Name)]
public sealed class AppTierTests(ApiTierFixture tier, ITestOutputHelper output)
{
    private static readonly TimeSpan CatchUp = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Create_then_redirect_then_stats_through_two_instances()
    {
        var slug = await Http.CreateAsync(tier.A.Client(), "https://example.com/a?b=c", "two-inst-" + Guid.NewGuid().ToString("N")[..6]);
        var redirect = await tier.B.Client().GetAsync("/" + slug);
        Assert.Equal(HttpStatusCode.Found, redirect.StatusCode);
        Assert.Equal("https://example.com/a?b=c", redirect.Headers.Location!.OriginalString);

        var stats = await tier.B.Client().GetFromJsonAsync<JsonElement>("/api/links/" + slug);
        Assert.Equal(slug, stats.GetProperty("slug").GetString());
        Assert.False(stats.GetProperty("disabled").GetBoolean());
    }

    [Fact]
    public async Task Duplicate_custom_slug_is_409_and_unknown_slug_is_404()
    {
        var slug = "dup-" + Guid.NewGuid().ToString("N")[..8];
        await Http.CreateAsync(tier.A.Client(), slug: slug);
        await Http.AssertProblemAsync(await tier.B.Client().PostAsJsonAsync("/api/links", new { url = "https://other.example", slug }), 409);
        await Http.AssertProblemAsync(await tier.B.Client().GetAsync("/no-such-link-" + Guid.NewGuid().ToString("N")[..6]), 404);
        await Http.AssertProblemAsync(await tier.B.Client().GetAsync("/api/links/no-such-link"), 404);
    }

    [Fact]
    public async Task Reads_are_served_by_the_replica()
    {
        var slugs = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            slugs.Add(await Http.CreateAsync(tier.A.Client()));
        }
        await tier.Tier.Setup.WaitForReplicaCaughtUpAsync(CatchUp, default);
        await Task.Delay(300); // let the replica monitor see it in sync
        var replicaBefore = await tier.Tier.ReplicaSelectCountAsync();
        var primaryBefore = await tier.Tier.PrimarySelectCountAsync();
        var client = tier.B.Client();
        foreach (var slug in slugs)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/links/{slug}/clicks")).StatusCode);
        }
        var replicaReads = await tier.Tier.ReplicaSelectCountAsync() - replicaBefore;
        var primaryReads = await tier.Tier.PrimarySelectCountAsync() - primaryBefore;
        output.WriteLine($"20 click-series reads: replica +{replicaReads} selects, primary +{primaryReads} (replica monitors included)");
        Assert.True(replicaReads >= 20, $"replica served {replicaReads}");
        Assert.True(primaryReads < 20, $"primary served {primaryReads}");
    }

    [Fact]
    public async Task Read_your_writes_holds_while_the_replica_sql_thread_is_stopped()
    {
        await tier.Tier.StopReplicaSqlThreadAsync();
        try
        {
            var a = tier.A.Client();
            var b = tier.B.Client();
            for (var i = 0; i < 10; i++)
            {
                var slug = await Http.CreateAsync(a, $"https://example.com/lag/{i}");
                // Another instance, no shared cookie: the replica has not applied the insert, the primary confirms it.
                Assert.Equal(HttpStatusCode.OK, (await b.GetAsync("/api/links/" + slug)).StatusCode);
                Assert.Equal(HttpStatusCode.Found, (await b.GetAsync("/" + slug)).StatusCode);
            }
            // The replica monitor notices the lag and moves reads to the primary.
            var state = await Http.EventuallyAsync(() => Task.FromResult(tier.B.Services.GetRequiredService<ReplicaStatus>().State),
                s => s == ReplicaState.Lagging, TimeSpan.FromSeconds(10));
            Assert.Equal(ReplicaState.Lagging, state);
            var ready = await b.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode); // degraded, still in rotation
            Assert.Contains("Degraded", await ready.Content.ReadAsStringAsync());
        }
        finally
        {
            await tier.Tier.StartReplicaSqlThreadAsync();
        }
        var back = await Http.EventuallyAsync(() => Task.FromResult(tier.B.Services.GetRequiredService<ReplicaStatus>().State),
            s => s == ReplicaState.InSync, TimeSpan.FromSeconds(10));
        Assert.Equal(ReplicaState.InSync, back);
    }

    [Fact]
    public async Task A_write_hands_the_client_a_position_that_its_later_reads_honour()
    {
        var client = tier.A.Client();
        var response = await client.PostAsJsonAsync("/api/links", new { url = "https://example.com/pos" });
        Assert.True(response.Headers.TryGetValues(ClientPositions.HeaderName, out var values));
        Assert.True(ReplicationDialect.LooksLikePosition(values.Single()));
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(ClientPositions.CookieName + "=") && c.Contains("httponly"));
    }

    [Fact]
    public async Task Reads_survive_the_replica_being_killed_and_return_to_it_afterwards()
    {
        var slug = await Http.CreateAsync(tier.A.Client());
        await tier.Tier.Setup.WaitForReplicaCaughtUpAsync(CatchUp, default);
        await tier.Tier.KillReplicaAsync();
        try
        {
            var client = tier.B.Client();
            for (var i = 0; i < 20; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/links/{slug}/clicks")).StatusCode);
            }
            var ready = await client.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }
        finally
        {
            await tier.Tier.StartReplicaAsync();
        }
        var state = await Http.EventuallyAsync(() => Task.FromResult(tier.B.Services.GetRequiredService<ReplicaStatus>().State),
            s => s == ReplicaState.InSync, TimeSpan.FromSeconds(15));
        Assert.Equal(ReplicaState.InSync, state);
        var before = await tier.Tier.ReplicaSelectCountAsync();
        Assert.Equal(HttpStatusCode.OK, (await tier.B.Client().GetAsync($"/api/links/{slug}/clicks")).StatusCode);
        Assert.True(await tier.Tier.ReplicaSelectCountAsync() > before, "reads went back to the replica");
    }

    [Fact]
    public async Task A_change_on_instance_A_reaches_the_memory_cache_of_instance_B()
    {
        var slug = await Http.CreateAsync(tier.A.Client());
        var b = tier.B.Client();
        Assert.Equal(HttpStatusCode.Found, (await b.GetAsync("/" + slug)).StatusCode); // now in B's L1

        var link = await tier.A.Services.GetRequiredService<LinkStore>().FindAsync(slug, default);
        await tier.A.Services.GetRequiredService<LinkCache>().SetAsync(link! with { Disabled = true }, default);

        var status = await Http.EventuallyAsync(async () => (await b.GetAsync("/" + slug)).StatusCode,
            s => s == HttpStatusCode.Gone, TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Gone, status);
    }

    [Fact]
    public async Task The_app_keeps_serving_with_redis_killed()
    {
        var known = await Http.CreateAsync(tier.A.Client());
        Assert.Equal(HttpStatusCode.Found, (await tier.B.Client().GetAsync("/" + known)).StatusCode);
        await tier.Tier.KillRedisAsync();
        try
        {
            var a = tier.A.Client();
            var b = tier.B.Client();
            for (var i = 0; i < 10; i++)
            {
                var slug = await Http.CreateAsync(a, $"https://example.com/no-redis/{i}");
                Assert.Equal(HttpStatusCode.Found, (await a.GetAsync("/" + slug)).StatusCode);
                Assert.Equal(HttpStatusCode.Found, (await b.GetAsync("/" + slug)).StatusCode);
                Assert.Equal(HttpStatusCode.Found, (await b.GetAsync("/" + known)).StatusCode);
            }
            var ready = await b.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Contains("redis unreachable", await ready.Content.ReadAsStringAsync());
        }
        finally
        {
            await tier.Tier.StartRedisAsync();
        }
        // Both instances reconnect by themselves (cache, backplane and rate limiter share one connection).
        var reconnected = await Http.EventuallyAsync(() => Task.FromResult(
                tier.A.Services.GetRequiredService<IConnectionMultiplexer>().IsConnected && tier.B.Services.GetRequiredService<IConnectionMultiplexer>().IsConnected),
            connected => connected, TimeSpan.FromSeconds(15));
        Assert.True(reconnected);

        // ...and the backplane works again: a value set on A replaces what B holds in memory.
        var cacheA = tier.A.Services.GetRequiredService<IFusionCache>();
        var cacheB = tier.B.Services.GetRequiredService<IFusionCache>();
        var round = 0;
        var recovered = await Http.EventuallyAsync(async () =>
        {
            round++;
            await cacheB.SetAsync("backplane-probe", -round);
            await cacheA.SetAsync("backplane-probe", round);
            await Task.Delay(200);
            return await cacheB.GetOrDefaultAsync<int>("backplane-probe") == round;
        }, ok => ok, TimeSpan.FromSeconds(60)); // measured 2-20 s here on a loaded machine (reconnect + circuit breaker + auto-recovery)
        Assert.True(recovered, "the backplane did not recover after Redis came back");
    }

    [Fact]
    public async Task The_memory_cache_holds_at_most_its_entry_limit_and_every_link_still_redirects()
    {
        const int limit = 10;
        await using var bounded = tier.StartInstance(settings: new Dictionary<string, string> { ["Cache:MemoryEntryLimit"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var client = bounded.Client();
        var created = new List<(string Slug, string Url)>();
        for (var i = 0; i < 4 * limit; i++)
        {
            var url = $"https://example.com/bounded/{i}";
            created.Add((await Http.CreateAsync(client, url), url));
        }
        // Twice: the second round reads entries back from Redis into a memory cache that is already full.
        for (var round = 0; round < 2; round++)
        {
            foreach (var (slug, url) in created)
            {
                var response = await client.GetAsync("/" + slug);
                Assert.Equal(HttpStatusCode.Found, response.StatusCode);
                Assert.Equal(url, response.Headers.Location?.ToString());
            }
        }

        var inMemory = await CountInMemoryAsync(bounded.Services.GetRequiredService<IFusionCache>(), created.Select(c => c.Slug));
        output.WriteLine($"entries in the bounded memory cache: {inMemory} of {created.Count} (limit {limit})");
        Assert.InRange(inMemory, 1, limit);

        // The same links on an instance with the default limit: all of them stay in memory (the bound above is the limit's doing).
        foreach (var (slug, _) in created)
        {
            Assert.Equal(HttpStatusCode.Found, (await tier.B.Client().GetAsync("/" + slug)).StatusCode);
        }
        Assert.Equal(created.Count, await CountInMemoryAsync(tier.B.Services.GetRequiredService<IFusionCache>(), created.Select(c => c.Slug)));
    }

    [Fact]
    public async Task Redis_is_a_bounded_cache_that_evicts_least_recently_used_expiring_keys_like_ElastiCache()
    {
        var options = ConfigurationOptions.Parse(tier.Tier.Layout.Redis.ConnectionString + ",allowAdmin=true");
        new Groundwork.ServiceDefaults.Caching.RedisTrust(tier.Tier.Layout.Certificates.CaFile, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).Apply(options);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(options);
        var server = redis.GetServer(redis.GetEndPoints().Single());
        var settings = (await server.ConfigGetAsync("maxmemory*")).ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("volatile-lru", settings["maxmemory-policy"]);
        Assert.Equal(256L * 1024 * 1024, long.Parse(settings["maxmemory"], System.Globalization.CultureInfo.InvariantCulture));

        // Every key the app writes expires, so the policy can evict it: cache entries and rate-limit windows alike.
        var slug = await Http.CreateAsync(tier.A.Client());
        // A create under a generated slug fills only its instance's memory; the first redirect elsewhere fills Redis.
        Assert.Equal(HttpStatusCode.Found, (await tier.B.Client().GetAsync("/" + slug)).StatusCode);
        var db = redis.GetDatabase();
        // The entry is written to Redis in the background: wait for it.
        var linkKeys = await Http.EventuallyAsync(() => Task.FromResult(server.Keys(pattern: $"*link:{slug}").ToList()), k => k.Count > 0, TimeSpan.FromSeconds(10));
        Assert.Single(linkKeys);
        var keys = server.Keys(pattern: "*").Take(500).Concat(linkKeys).ToList();
        foreach (var key in keys)
        {
            var type = await db.KeyTypeAsync(key);
            Assert.True(await db.KeyTimeToLiveAsync(key) is not null, $"{key} ({type}) has no TTL: volatile-lru could never evict it");
        }
    }

    private static async Task<int> CountInMemoryAsync(IFusionCache cache, IEnumerable<string> slugs)
    {
        var count = 0;
        foreach (var slug in slugs)
        {
            var hit = await cache.TryGetAsync<CachedLink?>("link:" + slug, options => options.SetSkipDistributedCache(true, true).SetAllowStaleOnReadOnly(true));
            if (hit.HasValue)
            {
                count++;
            }
        }
        return count;
    }

    [Fact]
    public async Task Clicks_counted_equal_redirects_made_after_a_graceful_stop()
    {
        var slug = await Http.CreateAsync(tier.A.Client());
        var linkId = await tier.OnPrimaryAsync<long>("SELECT id FROM links WHERE slug = @slug", new { slug });
        await using (var instance = tier.StartInstance())
        {
            var client = instance.Client();
            for (var i = 0; i < 137; i++)
            {
                Assert.Equal(HttpStatusCode.Found, (await client.GetAsync("/" + slug)).StatusCode);
            }
        } // graceful stop: the last flush happens after the server stopped
        var counted = await tier.OnPrimaryAsync<long>("SELECT CAST(COALESCE(SUM(clicks), 0) AS SIGNED) FROM link_clicks_per_minute WHERE link_id = @linkId", new { linkId });
        Assert.Equal(137, counted);
    }

    [Fact]
    public async Task Creation_is_rate_limited_per_client_across_instances()
    {
        await using var a = tier.StartInstance(createLimit: 3);
        await using var b = tier.StartInstance(createLimit: 3);
        // One client address (as the load balancer forwards it) that no other test uses.
        var address = $"198.51.100.{Random.Shared.Next(1, 255)}";
        var responses = new List<HttpResponseMessage>();
        foreach (var client in new[] { a.Client(), b.Client(), a.Client(), b.Client() })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/links") { Content = JsonContent.Create(new { url = "https://example.com/limited" }) };
            request.Headers.Add("X-Forwarded-For", address);
            responses.Add(await client.SendAsync(request));
        }
        Assert.Equal(3, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        var limited = responses.Single(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        await Http.AssertProblemAsync(limited, 429);
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single()) >= 1);
    }

    [Theory]
    [InlineData("{", 400)]
    [InlineData("[]", 400)]
    [InlineData("null", 400)]
    [InlineData("{\"url\": 5}", 400)]
    [InlineData("{\"url\": \"not a url\"}", 400)]
    [InlineData("{\"url\": \"https://example.com\", \"slug\": \"a b\"}", 400)]
    [InlineData("{\"url\": \"https://example.com\", \"slug\": \"admin\"}", 400)]
    [InlineData("{\"url\": \"https://example.com\", \"slug\": 12}", 400)]
    [InlineData("{\"url\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}", 400)]
    public async Task Bad_create_bodies_are_4xx_problem_details(string body, int status)
    {
        var response = await tier.A.Client().PostAsync("/api/links", new StringContent(body, Encoding.UTF8, "application/json"));
        await Http.AssertProblemAsync(response, status);
    }

    [Fact]
    public async Task Huge_bodies_invalid_utf8_and_wrong_media_types_are_4xx_problem_details()
    {
        var client = tier.A.Client();
        var huge = "{\"url\": \"https://example.com/" + new string('a', 100_000) + "\"}";
        await Http.AssertProblemAsync(await client.PostAsync("/api/links", new StringContent(huge, Encoding.UTF8, "application/json")), 413);
        var invalid = new ByteArrayContent([.. "{\"url\": \"https://example.com/"u8, 0xC3, 0x28, .. "\"}"u8]);
        invalid.Headers.ContentType = new("application/json");
        await Http.AssertProblemAsync(await client.PostAsync("/api/links", invalid), 400);
        await Http.AssertProblemAsync(await client.PostAsync("/api/links", new StringContent("url=https://x.example", Encoding.UTF8, "application/x-www-form-urlencoded")), 415);
    }

    [Theory]
    [InlineData("from=yesterday")]
    [InlineData("bucket=fortnight")]
    [InlineData("from=2026-01-02&to=2026-01-01")]
    [InlineData("from=2000-01-01&to=2026-01-01&bucket=minute")]
    public async Task Bad_click_queries_are_400_problem_details(string query)
    {
        var slug = await Http.CreateAsync(tier.A.Client());
        await Http.AssertProblemAsync(await tier.A.Client().GetAsync($"/api/links/{slug}/clicks?{query}"), 400);
    }

    [Fact]
    public async Task Click_series_buckets_clicks_by_minute_hour_and_day()
    {
        var slug = await Http.CreateAsync(tier.A.Client());
        var client = tier.A.Client();
        for (var i = 0; i < 5; i++)
        {
            await client.GetAsync("/" + slug);
        }
        var series = await Http.EventuallyAsync(
            () => client.GetFromJsonAsync<JsonElement>($"/api/links/{slug}/clicks?bucket=day&from=2026-01-01"),
            s => s.GetProperty("total").GetInt64() == 5, TimeSpan.FromSeconds(10));
        Assert.Equal(5, series.GetProperty("total").GetInt64());
        Assert.Equal("day", series.GetProperty("bucket").GetString());
    }

    [Fact]
    public async Task Health_endpoints_answer_and_the_openapi_document_is_served()
    {
        var client = tier.A.Client();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        var openapi = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        Assert.True(openapi.GetProperty("paths").TryGetProperty("/api/links", out _));
    }
}
