using System.Buffers;
using System.Collections.Frozen;
using System.Security.Cryptography;

namespace Groundwork.Api.Links;

/// <summary>What a slug may be. Custom slugs: [A-Za-z0-9_-]{3,64}, not a reserved word; generated ones are random.</summary>
public static class SlugRules
{
    public const int MinLength = 3;
    public const int MaxLength = 64;
    public const int GeneratedLength = 8;

    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");

    // Alphanumerics only, without look-alikes (0/O, 1/l/I), so a generated slug survives being read aloud or retyped.
    private const string GeneratedAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    /// <summary>Paths the platform itself uses at the root (edge, web app, health, admin, API): never a short link.</summary>
    public static readonly FrozenSet<string> Reserved = new[]
    {
        "api", "admin", "health", "openapi", "assets", "static", "s", "index", "index.html", "favicon", "favicon.ico",
        "robots", "robots.txt", "config.js", "_edge", "edge", "login", "logout", "signin", "signout", "auth", "oauth2",
        "metabase", "analytics", "status", "metrics", "www", "app", "web", "docs", "swagger",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>Null when the custom slug is acceptable, else why not (shown to the user).</summary>
    public static string? ValidateCustom(string slug)
    {
        if (slug.Length is < MinLength or > MaxLength)
        {
            return $"A custom slug has {MinLength} to {MaxLength} characters.";
        }
        if (slug.AsSpan().ContainsAnyExcept(Allowed))
        {
            return "A custom slug may only contain letters, digits, '-' and '_'.";
        }
        if (Reserved.Contains(slug))
        {
            return $"'{slug}' is reserved.";
        }
        return null;
    }

    /// <summary>Could this path segment be a slug at all (cheap filter before touching cache or database)?</summary>
    public static bool CouldBeSlug(string candidate) =>
        candidate.Length is >= MinLength and <= MaxLength && !candidate.AsSpan().ContainsAnyExcept(Allowed);

    /// <summary>8 symbols from a 56-letter alphabet: ~46 bits, so slugs cannot be enumerated.</summary>
    public static string Generate() =>
        RandomNumberGenerator.GetString(GeneratedAlphabet, GeneratedLength);
}
