using Groundwork.Testing;
using System.Net;
using System.Net.Http.Json;
using Groundwork.Faults.Tests.Infrastructure;
using MySqlConnector;
using Xunit.Abstractions;

namespace Groundwork.Faults.Tests;

/// <summary>
/// Part of promise 5: clicks wait in a bounded buffer while they cannot be written. What happens at the bound is a
/// decision (docs/decisions.md): new (link, minute) buckets are dropped, buckets already held keep counting.
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed class ClickBufferTests(FaultStack stack, ITestOutputHelper output)
{
    [Fact]
    public async Task When_the_click_buffer_bound_is_reached_clicks_of_new_buckets_are_dropped_and_memory_stays_bounded()
    {
        const int links = 40;
        const int busy = 5;
        using var instance = stack.CreateInstanceClient(1);
        var slugs = new List<string>();
        for (var i = 0; i < links; i++)
        {
            var slug = $"bound-{i}-{Guid.NewGuid().ToString("N")[..6]}";
            using var create = new HttpRequestMessage(HttpMethod.Post, "/api/links") { Content = JsonContent.Create(new { url = $"https://example.com/bound/{i}", slug }) };
            create.Headers.Add("X-Forwarded-For", "10.77.0.1");
            Assert.Equal(HttpStatusCode.Created, (await instance.SendAsync(create)).StatusCode);
            slugs.Add(slug);
        }
        // Buckets are per minute: start early in one, so every click of the test falls in the same minute.
        var second = DateTime.UtcNow.Second;
        if (second > 40)
        {
            await Task.Delay(TimeSpan.FromSeconds(61 - second));
        }

        var sent = new Dictionary<string, int>();
        await using (var root = await stack.PrimaryRootAsync())
        {
            // The flush cannot write (like a primary that is down, but only for the clicks table).
            await using (var lockClicks = new MySqlCommand("LOCK TABLES groundwork.link_clicks_per_minute WRITE", root))
            {
                await lockClicks.ExecuteNonQueryAsync();
            }
            try
            {
                foreach (var slug in slugs)
                {
                    Assert.Equal(HttpStatusCode.Found, (await instance.GetAsync("/" + slug)).StatusCode);
                    sent[slug] = 1;
                }
                // The first links' buckets were taken before the bound was reached: they keep counting.
                for (var round = 0; round < 3; round++)
                {
                    foreach (var slug in slugs.Take(busy))
                    {
                        Assert.Equal(HttpStatusCode.Found, (await instance.GetAsync("/" + slug)).StatusCode);
                        sent[slug]++;
                    }
                }
                // Long enough for a blocked flush to reach the 5 s command timeout and give its batch back.
                await Task.Delay(TimeSpan.FromSeconds(7));
            }
            finally
            {
                await using var unlock = new MySqlCommand("UNLOCK TABLES", root);
                await unlock.ExecuteNonQueryAsync();
            }
        }

        // Flushes resume; wait until what is stored stops changing.
        Dictionary<string, long> stored = [];
        long last = -1;
        for (var stable = 0; stable < 4;)
        {
            await Task.Delay(500);
            stored = await stack.ClicksOnPrimaryAsync(slugs);
            var total = stored.Values.Sum();
            stable = total == last && total > 0 ? stable + 1 : 0;
            last = total;
        }
        var linksWithClicks = stored.Count(s => s.Value > 0);
        var dropped = sent.Values.Sum() - stored.Values.Sum();
        var busyKept = slugs.Take(busy).All(s => stored[s] == sent[s]);
        output.WriteLine($"sent {sent.Values.Sum()} clicks on {links} links; stored on {linksWithClicks} links, {stored.Values.Sum()} clicks; dropped {dropped}; busy links kept: {busyKept}");
        ReliabilityResults.RecordNote(5, $"Buffer bound (Clicks:MaxPendingKeys = {FaultStack.MaxPendingClickBuckets} in this stack, 100,000 by default) reached while the clicks table was locked: " +
            $"{links} links clicked once on one instance, {busy} of them 3 more times. Stored afterwards: {stored.Values.Sum()} of {sent.Values.Sum()} clicks on {linksWithClicks} links; " +
            $"{dropped} clicks of new buckets dropped (metric groundwork.clicks.dropped); the {busy} links held before the bound kept every click: {(busyKept ? "yes" : "no")}. " +
            "The bound counts buckets waiting in the buffer; a batch being written is held besides, so memory is bounded by twice the setting.");

        // Drained batches in flight are not counted against the bound: at most twice the bound is held in memory.
        Assert.True(linksWithClicks <= 2 * FaultStack.MaxPendingClickBuckets, $"{linksWithClicks} buckets survived, more than twice the bound {FaultStack.MaxPendingClickBuckets}");
        Assert.True(dropped > 0, "nothing was dropped: the bound was not reached");
    }
}
