using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Buffers.Text;

namespace Groundwork.ServiceDefaults.Tests.AlbIdentity;

/// <summary>Builds tokens in the ALB's wire format (and deliberately broken variants of it).</summary>
internal sealed record AlbTokens(string SignerArn, string Issuer, string ClientId)
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

    /// <summary>A token with an arbitrary header, signed with an HMAC (or not at all) — alg confusion attempts.</summary>
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

    private static string Encode(object value, bool padded) =>
        Encode(JsonSerializer.SerializeToUtf8Bytes(value), padded);

    private static string Encode(byte[] bytes, bool padded)
    {
        var text = Base64Url.EncodeToString(bytes);
        return padded ? text.PadRight(text.Length + (4 - text.Length % 4) % 4, '=') : text;
    }
}
