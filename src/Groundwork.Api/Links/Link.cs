namespace Groundwork.Api.Links;

/// <summary>A link as stored.</summary>
public sealed record Link(long Id, string Slug, string Url, DateTime CreatedAt, bool Disabled);

/// <summary>What the redirect hot path needs, as cached (L1 memory, L2 Redis).</summary>
public sealed record CachedLink(long Id, string Url, bool Disabled);

public sealed record CreateLinkRequest(string? Url, string? Slug);

public sealed record CreatedLink(string Slug, string Url, string ShortUrl, DateTime CreatedAt);

public sealed record LinkStats(string Slug, string Url, DateTime CreatedAt, long Clicks, bool Disabled);
