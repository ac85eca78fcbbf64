using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Groundwork.Testing;

/// <summary>
/// The one test-side signer of the ALB's <c>x-amzn-oidc-data</c> header: tokens in the ALB's wire format (ES256 JWS,
/// base64url with padding, <c>signer</c>/<c>iss</c>/<c>client</c>/<c>exp</c> in the header), and deliberately broken
/// variants of them (unpadded, another alg, claims changed after signing). The app tier's validator
/// (ServiceDefaults' AlbIdentity), the Api contract tests and the attack tests against the running stack all sign with it.
/// </summary>
public sealed record AlbTokens(string SignerArn, string Issuer, string ClientId)
{
    public string Create(
        ECDsa key,
        string? kid,
        string sub = "user-123",
        string? email = "admin@example.com",
        DateTimeOffset? expires = null,
        string? signer = null,
        string? issuer = null,
        string? client = null,
        bool padded = true)
    {
        var exp = (expires ?? DateTimeOffset.UtcNow.AddMinutes(2)).ToUnixTimeSeconds();
        var header = new Dictionary<string, object?>
        {
            ["typ"] = "JWT",
            ["alg"] = "ES256",
            ["kid"] = kid,
            ["signer"] = signer ?? SignerArn,
            ["iss"] = issuer ?? Issuer,
            ["client"] = client ?? ClientId,
            ["exp"] = exp,
        };
        if (kid is null)
        {
            header.Remove("kid");
        }

        var payload = new Dictionary<string, object?> { ["sub"] = sub, ["email"] = email, ["exp"] = exp, ["iss"] = issuer ?? Issuer };
        var signingInput = $"{Encode(header, padded)}.{Encode(payload, padded)}";
        var signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return $"{signingInput}.{Encode(signature, padded)}";
    }

    /// <summary>A token with an arbitrary header alg, signed with an HMAC, an RSA key or not at all (alg confusion attempts).</summary>
    public string CreateWithAlg(string alg, string kid, byte[]? hmacSecret, RSA? rsa = null)
    {
        var header = new Dictionary<string, object?>
        {
            ["alg"] = alg, ["kid"] = kid, ["signer"] = SignerArn, ["iss"] = Issuer, ["client"] = ClientId,
            ["exp"] = DateTimeOffset.UtcNow.AddMinutes(2).ToUnixTimeSeconds(),
        };
        var payload = new Dictionary<string, object?> { ["sub"] = "attacker", ["email"] = "admin@example.com" };
        var signingInput = $"{Encode(header, true)}.{Encode(payload, true)}";
        var data = Encoding.ASCII.GetBytes(signingInput);
        var signature = (hmacSecret, rsa) switch
        {
            ({ } secret, _) => HMACSHA256.HashData(secret, data),
            (_, { } r) => r.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            _ => [],
        };
        return $"{signingInput}.{(signature.Length == 0 ? "" : Encode(signature, true))}";
    }

    /// <summary>A genuine token with its payload's email swapped (claims changed after signing).</summary>
    public static string WithEmail(string genuine, string email)
    {
        var parts = genuine.Split('.');
        var payload = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Base64Url.DecodeFromChars(parts[1].TrimEnd('=')))!
            .ToDictionary(p => p.Key, p => (object?)p.Value);
        payload["email"] = email;
        return $"{parts[0]}.{Encode(payload, true)}.{parts[2]}";
    }

    /// <summary>The key id in a token's header.</summary>
    public static string KidOf(string token) => HeaderOf(token).GetProperty("kid").GetString()!;

    /// <summary>The expiry (Unix seconds) in a token's header.</summary>
    public static long ExpiryOf(string token) => HeaderOf(token).GetProperty("exp").GetInt64();

    private static JsonElement HeaderOf(string token) =>
        JsonDocument.Parse(Base64Url.DecodeFromChars(token.Split('.')[0].TrimEnd('='))).RootElement;

    private static string Encode(object value, bool padded) =>
        Encode(JsonSerializer.SerializeToUtf8Bytes(value), padded);

    private static string Encode(byte[] bytes, bool padded)
    {
        var text = Base64Url.EncodeToString(bytes);
        return padded ? text.PadRight(text.Length + (4 - text.Length % 4) % 4, '=') : text;
    }
}
