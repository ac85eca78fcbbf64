using Groundwork.Api.Clicks;
using Groundwork.Api.Links;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Groundwork.Api.Tests;

public sealed class SlugRulesTests
{
    [Theory]
    [InlineData("abc")]
    [InlineData("My_Link-2026")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234")]
    public void Accepts_custom_slugs_of_3_to_64_allowed_characters(string slug) => Assert.Null(SlugRules.ValidateCustom(slug));

    [Theory]
    [InlineData("ab")]
    [InlineData("a2345678901234567890123456789012345678901234567890123456789012345")]
    [InlineData("has space")]
    [InlineData("dot.dot")]
    [InlineData("../etc")]
    [InlineData("ünïcode")]
    [InlineData("API")]
    [InlineData("admin")]
    [InlineData("health")]
    public void Refuses_bad_or_reserved_slugs(string slug) => Assert.NotNull(SlugRules.ValidateCustom(slug));

    [Fact]
    public void Generated_slugs_are_valid_distinct_and_without_look_alikes()
    {
        var slugs = Enumerable.Range(0, 10_000).Select(_ => SlugRules.Generate()).ToList();
        Assert.All(slugs, s => Assert.Null(SlugRules.ValidateCustom(s)));
        Assert.Equal(slugs.Count, slugs.Distinct(StringComparer.Ordinal).Count());
        Assert.DoesNotContain(slugs, s => s.IndexOfAny(['0', 'O', '1', 'l', 'I']) >= 0);
    }
}

public sealed class TargetUrlTests
{
    [Theory]
    [InlineData("https://example.com", "https://example.com")]
    [InlineData("  http://example.com/a?b=c#d ", "http://example.com/a?b=c#d")]
    [InlineData("https://bücher.example/straße", "https://xn--bcher-kva.example/stra%C3%9Fe")]
    public void Keeps_ascii_urls_as_given_and_encodes_the_rest(string input, string expected) =>
        Assert.Equal(expected, TargetUrl.Normalize(input).Url);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("example.com")]
    [InlineData("/relative/path")]
    [InlineData("ftp://example.com/file")]
    [InlineData("javascript:alert(1)")]
    [InlineData("data:text/html,<script>alert(1)</script>")]
    [InlineData("https://user:pass@example.com/")]
    [InlineData("file:///etc/passwd")]
    public void Refuses_anything_but_absolute_http_urls(string? input) => Assert.NotNull(TargetUrl.Normalize(input).Error);

    [Fact]
    public void Refuses_urls_longer_than_2048_characters()
    {
        Assert.Null(TargetUrl.Normalize("https://example.com/" + new string('a', 2048 - 20)).Error);
        Assert.NotNull(TargetUrl.Normalize("https://example.com/" + new string('a', 2048 - 19)).Error);
    }
}

public sealed class ClickCounterTests
{
    private static ClickCounter Counter(FakeTimeProvider time, int maxKeys = 100) =>
        new(Options.Create(new ClickOptions { MaxPendingKeys = maxKeys }), time);

    [Fact]
    public void Aggregates_clicks_per_link_per_minute()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 10, 0, 30, TimeSpan.Zero));
        var counter = Counter(time);
        counter.Count(1);
        counter.Count(1);
        counter.Count(2);
        time.Advance(TimeSpan.FromSeconds(40)); // next minute
        counter.Count(1);

        var batch = counter.Drain();
        Assert.Equal(2, batch[new ClickBucket(1, new DateTime(2026, 1, 1, 10, 0, 0, DateTimeKind.Utc))]);
        Assert.Equal(1, batch[new ClickBucket(2, new DateTime(2026, 1, 1, 10, 0, 0, DateTimeKind.Utc))]);
        Assert.Equal(1, batch[new ClickBucket(1, new DateTime(2026, 1, 1, 10, 1, 0, DateTimeKind.Utc))]);
        Assert.Empty(counter.Drain());
    }

    [Fact]
    public void A_restored_batch_merges_with_new_clicks()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 10, 0, 0, TimeSpan.Zero));
        var counter = Counter(time);
        counter.Count(7);
        var failed = counter.Drain();
        counter.Count(7);
        counter.Restore(failed);
        Assert.Equal(2, counter.Drain().Values.Single());
    }

    [Fact]
    public void When_the_bound_is_reached_new_buckets_are_dropped_and_counted_existing_ones_keep_counting()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 10, 0, 0, TimeSpan.Zero));
        var counter = Counter(time, maxKeys: 2);
        counter.Count(1);
        counter.Count(2);
        counter.Count(3); // a third bucket: dropped
        counter.Count(1); // existing: counted
        Assert.Equal(1, counter.DroppedTotal);
        var batch = counter.Drain();
        Assert.Equal(3, batch.Values.Sum());
        Assert.Equal(2, batch.Count);
    }

    [Fact]
    public async Task Concurrent_counting_loses_nothing_across_drains()
    {
        var counter = Counter(new FakeTimeProvider(DateTimeOffset.UtcNow));
        long drained = 0;
        using var stop = new CancellationTokenSource();
        var drainer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                Interlocked.Add(ref drained, counter.Drain().Values.Sum());
                await Task.Yield();
            }
        });
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 50_000; i++)
            {
                counter.Count(i % 10);
            }
        })));
        stop.Cancel();
        await drainer;
        drained += counter.Drain().Values.Sum();
        Assert.Equal(200_000, drained);
    }
}

public sealed class ClickSeriesQueryTests
{
    private static readonly DateTime Now = new(2026, 6, 1, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Defaults_to_the_last_hour_in_minutes()
    {
        var (query, error) = ClickSeriesQuery.Parse(null, null, null, Now);
        Assert.Null(error);
        Assert.Equal(ClickBucketSize.Minute, query!.Bucket);
        Assert.Equal(Now.AddHours(-1), query.From);
        Assert.Equal(Now, query.To);
    }

    [Theory]
    [InlineData("yesterday", null, null)]
    [InlineData(null, "2026-13-01", null)]
    [InlineData(null, null, "week")]
    [InlineData(null, null, "5")]
    [InlineData("2026-06-01T12:00:00Z", "2026-06-01T11:00:00Z", null)]
    [InlineData("2020-01-01", "2026-01-01", "minute")]
    [InlineData("0001-01-01", null, "day")]
    public void Refuses_bad_dates_buckets_and_ranges(string? from, string? to, string? bucket) =>
        Assert.NotNull(ClickSeriesQuery.Parse(from, to, bucket, Now).Error);

    [Fact]
    public void Accepts_explicit_ranges_with_offsets()
    {
        var (query, error) = ClickSeriesQuery.Parse("2026-05-31T14:00:00+02:00", "2026-06-01", "hour", Now);
        Assert.Null(error);
        Assert.Equal(new DateTime(2026, 5, 31, 12, 0, 0, DateTimeKind.Utc), query!.From);
        Assert.Equal(ClickBucketSize.Hour, query.Bucket);
    }
}
