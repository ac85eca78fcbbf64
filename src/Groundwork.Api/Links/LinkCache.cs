using Microsoft.Extensions.Options;
using ZiggyCreatures.Caching.Fusion;

namespace Groundwork.Api.Links;

/// <summary>
/// The cached view of links (redirects, and the stats endpoint's figures). The redirect hot path: one database read per slug per cache lifetime at most, shared by all
/// instances through Redis, and kept current by write-through (a change sets the new value, the backplane evicts
/// every other instance's memory copy). Unknown slugs are cached briefly too, so scanning random slugs cannot
/// reach the database at request rate.
/// </summary>
public sealed class LinkCache(IFusionCache cache, LinkStore store, IOptions<ShortLinkOptions> options)
{
    private readonly bool _enabled = options.Value.CacheRedirects;

    private static readonly TimeSpan FoundDuration = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan MissingDuration = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan StatsDuration = TimeSpan.FromSeconds(1);

    private static string Key(string slug) => "link:" + slug;

    public ValueTask<CachedLink?> GetAsync(string slug, CancellationToken ct) => _enabled
        ? GetCachedAsync(slug, ct)
        : new ValueTask<CachedLink?>(ReadAsync(slug, ct));

    /// <summary>Cache switched off (benchmark baseline): every lookup reads the database.</summary>
    private async Task<CachedLink?> ReadAsync(string slug, CancellationToken ct) =>
        await store.FindAsync(slug, ct) is { } link ? new CachedLink(link.Id, link.Url, link.Disabled) : null;

    private ValueTask<CachedLink?> GetCachedAsync(string slug, CancellationToken ct) =>
        cache.GetOrSetAsync<CachedLink?>(Key(slug), async (context, token) =>
        {
            var link = await store.FindAsync(slug, token);
            if (link is null)
            {
                // Fail-safe keeps an entry physically for FailSafeMaxDuration; an unknown slug must not live that long
                // (random slugs would otherwise fill memory and Redis for hours).
                context.Options.Duration = MissingDuration;
                context.Options.IsFailSafeEnabled = false;
                return null;
            }
            return new CachedLink(link.Id, link.Url, link.Disabled);
        }, options => options.SetDuration(FoundDuration), ct);

    /// <summary>Write-through after a change on the primary: every instance sees the new value, none reads a lagging replica.</summary>
    public ValueTask SetAsync(Link link, CancellationToken ct) =>
        cache.SetAsync<CachedLink?>(Key(link.Slug), new CachedLink(link.Id, link.Url, link.Disabled), options => options.SetDuration(FoundDuration), ct);

    /// <summary>
    /// A link just created. Under a generated slug (46 random bits) no instance's memory and no Redis entry can hold
    /// that slug yet (a miss is cached only for a slug someone asked for, and only for seconds), so only this instance's
    /// memory gets it: no Redis write, no backplane message (measured: 2 Redis commands and a PUBLISH per create; the
    /// first redirect elsewhere reads the database once, replica then primary, and fills Redis). A custom slug may have
    /// been asked for before it existed (a cached "missing"), so it is written through like any change.
    /// </summary>
    public ValueTask SetCreatedAsync(Link link, bool generatedSlug, CancellationToken ct) => generatedSlug
        ? cache.SetAsync<CachedLink?>(Key(link.Slug), new CachedLink(link.Id, link.Url, link.Disabled),
            options => options.SetDuration(FoundDuration).SetSkipDistributedCache(true, skipBackplaneNotifications: true), ct)
        : SetAsync(link, ct);

    public ValueTask RemoveAsync(string slug, CancellationToken ct) => cache.RemoveAsync(Key(slug), token: ct);

    /// <summary>
    /// A link's stats, cached briefly in the shared cache, so all instances answer the same figure, without jitter (a
    /// jittered entry lives up to 10 s longer on one instance than on another, and round robin then served an older,
    /// smaller count). A refresh never lowers the count already served: the read may come from a replica a moment
    /// behind the primary the previous figure came from. A link's clicks only grow (a slug deleted and created again is
    /// another link: different CreatedAt), so the larger figure is the truer one.
    /// </summary>
    public ValueTask<LinkStats?> GetStatsAsync(string slug, CancellationToken ct) =>
        cache.GetOrSetAsync<LinkStats?>("stats:" + slug, async (context, token) =>
        {
            var fresh = await store.StatsAsync(slug, token);
            return fresh is not null && context.HasStaleValue && context.StaleValue.Value is { } served
                   && served.CreatedAt == fresh.CreatedAt && served.Clicks > fresh.Clicks
                ? fresh with { Clicks = served.Clicks }
                : fresh;
        }, options => options.SetDuration(StatsDuration).SetFailSafe(true).SetJittering(TimeSpan.Zero), ct);
}
