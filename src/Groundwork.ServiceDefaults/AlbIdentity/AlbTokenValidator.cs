using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Groundwork.ServiceDefaults.AlbIdentity;

/// <summary>The identity the ALB vouches for.</summary>
internal sealed record AlbIdentityClaims(string Subject, string? Email);

/// <summary>Outcome of checking one token: the identity, or why it was refused (safe to log; never contains the token).</summary>
internal sealed record AlbTokenValidation(AlbIdentityClaims? Identity, string? FailureReason)
{
    public static AlbTokenValidation Fail(string reason) => new(null, reason);
}

/// <summary>
/// Verifies the ALB's <c>x-amzn-oidc-data</c> token as AWS documents it: an ES256 JWS whose header carries
/// alg, kid, signer, iss, client and exp, encoded as base64url with padding. The signature covers the
/// header and payload exactly as they were sent.
/// </summary>
internal sealed class AlbTokenValidator(AlbPublicKeyCache keys, TimeProvider time)
{
    private const int MaxTokenLength = 16 * 1024;

    public async Task<AlbTokenValidation> ValidateAsync(string token, AlbIdentityOptions options, CancellationToken cancellationToken)
    {
        if (!options.IsConfigured)
        {
            return AlbTokenValidation.Fail("ALB identity is not configured (AlbIdentity:SignerArn and AlbIdentity:KeyEndpoint are required)");
        }

        if (token.Length > MaxTokenLength)
        {
            return AlbTokenValidation.Fail("token too long");
        }

        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return AlbTokenValidation.Fail("not a JWS in compact form");
        }

        if (!TryReadObject(parts[0], out var header))
        {
            return AlbTokenValidation.Fail("header is not base64url JSON");
        }

        // Cheap checks first: nothing here costs a key fetch unless the token claims to come from our ALB.
        if (ReadString(header, "alg") != "ES256")
        {
            return AlbTokenValidation.Fail("alg is not ES256");
        }

        var kid = ReadString(header, "kid");
        if (kid is null || !AlbPublicKeyCache.IsWellFormedKid(kid))
        {
            return AlbTokenValidation.Fail("kid missing or malformed");
        }

        if (!string.Equals(ReadString(header, "signer"), options.SignerArn, StringComparison.Ordinal))
        {
            return AlbTokenValidation.Fail("signer is not the configured ALB");
        }

        if (ReadNumber(header, "exp") is not { } exp)
        {
            return AlbTokenValidation.Fail("exp missing");
        }

        if (IsExpired(exp, options.ClockSkew))
        {
            return AlbTokenValidation.Fail("token expired");
        }

        if (!string.IsNullOrEmpty(options.Issuer) && !string.Equals(ReadString(header, "iss"), options.Issuer, StringComparison.Ordinal))
        {
            return AlbTokenValidation.Fail("iss is not the configured issuer");
        }

        if (!string.IsNullOrEmpty(options.ClientId) && !string.Equals(ReadString(header, "client"), options.ClientId, StringComparison.Ordinal))
        {
            return AlbTokenValidation.Fail("client is not the configured client id");
        }

        if (!AlbTokenEncoding.TryDecode(parts[2], out var signature) || signature.Length != 64)
        {
            return AlbTokenValidation.Fail("signature is not a 64-byte ES256 signature");
        }

        using var key = await keys.GetAsync(options.KeyEndpoint!, kid, cancellationToken).ConfigureAwait(false);
        if (key is null)
        {
            return AlbTokenValidation.Fail("unknown kid (no public key)");
        }

        var signedBytes = Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}");
        if (!key.VerifyData(signedBytes, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
        {
            return AlbTokenValidation.Fail("signature does not verify");
        }

        if (!TryReadObject(parts[1], out var payload))
        {
            return AlbTokenValidation.Fail("payload is not base64url JSON");
        }

        if (ReadNumber(payload, "exp") is { } payloadExp && IsExpired(payloadExp, options.ClockSkew))
        {
            return AlbTokenValidation.Fail("token expired");
        }

        if (!string.IsNullOrEmpty(options.Issuer) && ReadString(payload, "iss") is { } payloadIss && payloadIss != options.Issuer)
        {
            return AlbTokenValidation.Fail("iss is not the configured issuer");
        }

        var sub = ReadString(payload, "sub");
        if (string.IsNullOrEmpty(sub))
        {
            return AlbTokenValidation.Fail("sub missing");
        }

        return new AlbTokenValidation(new AlbIdentityClaims(sub, ReadString(payload, "email")), null);
    }

    private bool IsExpired(double exp, TimeSpan skew) =>
        time.GetUtcNow() > DateTimeOffset.UnixEpoch.AddSeconds(Math.Clamp(exp, 0, 253402300799)) + skew;

    private static bool TryReadObject(string segment, out JsonElement value)
    {
        value = default;
        if (!AlbTokenEncoding.TryDecode(segment, out var bytes))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(bytes);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            value = document.RootElement.Clone();
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string? ReadString(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static double? ReadNumber(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d) ? d : null;
}
