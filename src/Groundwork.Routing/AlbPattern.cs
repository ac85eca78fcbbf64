namespace Groundwork.Routing;

/// <summary>
/// The wildcard syntax of ALB listener-rule conditions (and of CloudFront path patterns): '*' matches zero or more
/// characters, '?' exactly one, everything else itself. Host names compare case-insensitively; paths compare
/// case-sensitively (an ALB path-pattern "/api/*" does not match "/API/x").
/// </summary>
public static class AlbPattern
{
    public static bool MatchesHost(string pattern, string host) => Matches(pattern, host, ignoreCase: true);

    public static bool MatchesPath(string pattern, string path) => Matches(pattern, path, ignoreCase: false);

    /// <summary>Glob match without regular expressions (no time-outs, no escaping): iterative with backtracking on '*'.</summary>
    public static bool Matches(string pattern, string value, bool ignoreCase)
    {
        int p = 0, v = 0, star = -1, resume = 0;
        while (v < value.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || Same(pattern[p], value[v], ignoreCase)) && pattern[p] != '*')
            {
                p++;
                v++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = v;
            }
            else if (star >= 0)
            {
                p = star + 1;
                v = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    // ALB compares host names ASCII-case-insensitively; host names on the wire are ASCII (IDNs arrive as punycode).
    private static bool Same(char a, char b, bool ignoreCase) =>
        a == b || (ignoreCase && char.IsAscii(a) && char.IsAscii(b) && char.ToLowerInvariant(a) == char.ToLowerInvariant(b));
}
