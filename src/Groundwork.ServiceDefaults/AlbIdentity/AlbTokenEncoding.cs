using System.Buffers.Text;

namespace Groundwork.ServiceDefaults.AlbIdentity;

/// <summary>
/// Base64url as the ALB writes it: with '=' padding, which RFC 7515 forbids and standard JWT libraries reject.
/// Both the padded and the unpadded forms are accepted.
/// </summary>
internal static class AlbTokenEncoding
{
    public static bool TryDecode(string segment, out byte[] bytes)
    {
        bytes = [];
        var unpadded = segment.AsSpan().TrimEnd('=');
        if (unpadded.Length == 0 || segment.Length - unpadded.Length > 2 || unpadded.Contains('='))
        {
            return false;
        }

        try
        {
            bytes = Base64Url.DecodeFromChars(unpadded);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Encodes the way the ALB does (padded), for stand-ins and tests.</summary>
    public static string EncodePadded(ReadOnlySpan<byte> bytes)
    {
        var text = Base64Url.EncodeToString(bytes);
        return text.PadRight(text.Length + (4 - text.Length % 4) % 4, '=');
    }
}
