using System.ComponentModel;

namespace Groundwork.Api.Links;

/// <summary>A link as stored.</summary>
public sealed record Link(long Id, string Slug, string Url, DateTime CreatedAt, bool Disabled);

/// <summary>What the redirect hot path needs, as cached (L1 memory, L2 Redis).</summary>
public sealed record CachedLink(long Id, string Url, bool Disabled);

/// <summary>The body of a create. Both nullable: a missing url is answered with a 400 problem naming the field.</summary>
public sealed record CreateLinkRequest(
    [property: Description("The target: an absolute http(s) URL of at most 2048 characters.")] string? Url,
    // Defaulted, so the document does not list it as required: most creates let the server pick the slug.
    [property: Description("Optional custom slug: 3 to 64 letters, digits, '-' or '_'; reserved words (api, admin, ...) are refused.")] string? Slug = null);

public sealed record CreatedLink(string Slug, string Url, string ShortUrl, DateTime CreatedAt);

public sealed record LinkStats(string Slug, string Url, DateTime CreatedAt, long Clicks, bool Disabled);
