namespace Groundwork.Api.Links;

/// <summary>Which URLs a link may point to: absolute http(s), at most 2048 characters, with a host.</summary>
public static class TargetUrl
{
    public const int MaxLength = 2048;

    /// <summary>
    /// Returns the URL to store and redirect to, or an error. The URL is kept as given when it is plain ASCII (so the
    /// Location header is exactly what the user typed); otherwise its normalised ASCII form (IDN, percent-encoding),
    /// because a header cannot carry anything else.
    /// </summary>
    public static (string? Url, string? Error) Normalize(string? input)
    {
        if (string.IsNullOrWhiteSpace(input))
        {
            return (null, "'url' is required.");
        }
        var candidate = input.Trim();
        if (candidate.Length > MaxLength)
        {
            return (null, $"'url' is longer than {MaxLength} characters.");
        }
        if (!Uri.TryCreate(candidate, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return (null, "'url' must be an absolute http or https URL.");
        }
        if (string.IsNullOrEmpty(uri.Host))
        {
            return (null, "'url' must name a host.");
        }
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return (null, "'url' must not carry credentials.");
        }
        // IdnHost is the punycode form; AbsoluteUri alone would keep a Unicode host.
        var result = IsPlainAscii(candidate) ? candidate : new UriBuilder(uri) { Host = uri.IdnHost }.Uri.AbsoluteUri;
        return result.Length > MaxLength ? (null, $"'url' is longer than {MaxLength} characters once encoded.") : (result, null);
    }

    private static bool IsPlainAscii(string value)
    {
        foreach (var c in value)
        {
            if (c <= 0x20 || c >= 0x7F)
            {
                return false;
            }
        }
        return true;
    }
}
