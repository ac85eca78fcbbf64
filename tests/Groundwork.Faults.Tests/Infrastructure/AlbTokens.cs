using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Groundwork.Faults.Tests.Infrastructure;

/// <summary>
/// Tokens in the ALB's wire format (ES256 JWS, padded base64url) signed with keys the attacker owns, and deliberately
/// broken variants of genuine ones (adapted from tests/Groundwork.ServiceDefaults.Tests/AlbIdentity/AlbTokens.cs).
/// </summary>
public static class AlbTokens
{
    public const string SignerArn = "arn:aws:elasticloadbalancing:local:000000000000:loadbalancer/app/groundwork-local/0123456789abcdef";
    public const string Issuer = "https://cognito-idp.local.amazonaws.com/local_groundwork";
    public const string ClientId = "groundwork-local";

    public static string Signed(ECDsa key, string kid, string email = "admin@example.com", string signer = SignerArn, DateTimeOffset? expires = null)
    {
        var exp = (expires ?? DateTimeOffset.UtcNow.AddMinutes(2)).ToUnixTimeSeconds();
        var header = Encode(new Dictionary<string, object> { ["typ"] = "JWT", ["alg"] = "ES256", ["kid"] = kid, ["signer"] = signer, ["iss"] = Issuer, ["client"] = ClientId, ["exp"] = exp });
        var payload = Encode(new Dictionary<string, object> { ["sub"] = "attacker", ["email"] = email, ["exp"] = exp, ["iss"] = Issuer });
        var input = $"{header}.{payload}";
        return $"{input}.{Encode(key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))}";
    }

    /// <summary>alg confusion: HS256 keyed with the ALB's public key (as PEM text), RS256 with the attacker's RSA key, or none.</summary>
    public static string WithAlg(string alg, string kid, byte[]? hmacKey = null, RSA? rsa = null)
    {
        var exp = DateTimeOffset.UtcNow.AddMinutes(2).ToUnixTimeSeconds();
        var header = Encode(new Dictionary<string, object> { ["alg"] = alg, ["kid"] = kid, ["signer"] = SignerArn, ["iss"] = Issuer, ["client"] = ClientId, ["exp"] = exp });
        var payload = Encode(new Dictionary<string, object> { ["sub"] = "attacker", ["email"] = "admin@example.com", ["exp"] = exp });
        var input = $"{header}.{payload}";
        var data = Encoding.ASCII.GetBytes(input);
        var signature = (hmacKey, rsa) switch
        {
            ({ } secret, _) => HMACSHA256.HashData(secret, data),
            (_, { } r) => r.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            _ => [],
        };
        return $"{input}.{(signature.Length == 0 ? "" : Encode(signature))}";
    }

    /// <summary>A genuine token with its payload swapped (claims changed after signing).</summary>
    public static string WithPayload(string genuine, string email)
    {
        var parts = genuine.Split('.');
        var payload = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Base64Url.DecodeFromChars(parts[1].TrimEnd('=')))!
            .ToDictionary(p => p.Key, p => (object)p.Value);
        payload["email"] = email;
        return $"{parts[0]}.{Encode(payload)}.{parts[2]}";
    }

    public static string KidOf(string genuine)
    {
        var header = JsonDocument.Parse(Base64Url.DecodeFromChars(genuine.Split('.')[0].TrimEnd('=')));
        return header.RootElement.GetProperty("kid").GetString()!;
    }

    public static long ExpiryOf(string genuine)
    {
        var header = JsonDocument.Parse(Base64Url.DecodeFromChars(genuine.Split('.')[0].TrimEnd('=')));
        return header.RootElement.GetProperty("exp").GetInt64();
    }

    private static string Encode(object value) => Encode(JsonSerializer.SerializeToUtf8Bytes(value));

    private static string Encode(byte[] bytes)
    {
        var text = Base64Url.EncodeToString(bytes);
        return text.PadRight(text.Length + (4 - text.Length % 4) % 4, '=');
    }
}
