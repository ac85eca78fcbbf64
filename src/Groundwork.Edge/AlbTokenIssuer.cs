using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Groundwork.Edge;

/// <summary>
/// Signs the user claims the way an ALB does after authenticate-cognito: an ES256 JWS whose header carries alg, kid,
/// signer (the ALB ARN), iss, client and exp, base64url-encoded WITH '=' padding (the ALB's quirk, kept on purpose
/// so the app's verifier is tested against the real format). Keys are P-256, generated at start, kept in memory and
/// served as PEM by kid like https://public-keys.auth.elb.{region}.amazonaws.com/{kid}. Rotation keeps old keys served.
/// </summary>
internal sealed class AlbTokenIssuer : IDisposable
{
    public const string DataHeader = "x-amzn-oidc-data";
    public const string IdentityHeader = "x-amzn-oidc-identity";
    public const string AccessTokenHeader = "x-amzn-oidc-accesstoken";
    private const int KeysKept = 5;

    private readonly Lock gate = new();
    private readonly List<(string Kid, ECDsa Key)> keys = [];
    private readonly EdgeOptions options;
    private readonly TimeProvider time;

    public AlbTokenIssuer(IOptions<EdgeOptions> options, TimeProvider time)
    {
        this.options = options.Value;
        this.time = time;
        Rotate();
    }

    public string CurrentKid
    {
        get
        {
            lock (gate)
            {
                return keys[^1].Kid;
            }
        }
    }

    /// <summary>Starts signing with a new key; the previous ones stay published so tokens in flight still verify.</summary>
    public string Rotate()
    {
        var kid = Guid.NewGuid().ToString();
        lock (gate)
        {
            keys.Add((kid, ECDsa.Create(ECCurve.NamedCurves.nistP256)));
            while (keys.Count > KeysKept)
            {
                keys[0].Key.Dispose();
                keys.RemoveAt(0);
            }
        }

        return kid;
    }

    public string? PublicKeyPem(string kid)
    {
        lock (gate)
        {
            return keys.FirstOrDefault(k => k.Kid == kid).Key?.ExportSubjectPublicKeyInfoPem();
        }
    }

    public string Issue(string subject, string email)
    {
        var exp = time.GetUtcNow().Add(options.IdentityTokenLifetime).ToUnixTimeSeconds();
        lock (gate)
        {
            var (kid, key) = keys[^1];
            var header = Encode(new Dictionary<string, object>
            {
                ["typ"] = "JWT",
                ["kid"] = kid,
                ["alg"] = "ES256",
                ["iss"] = options.Issuer,
                ["client"] = options.ClientId,
                ["signer"] = options.AlbArn,
                ["exp"] = exp,
            });
            var payload = Encode(new Dictionary<string, object>
            {
                ["sub"] = subject,
                ["email_verified"] = "true",
                ["email"] = email,
                ["username"] = email,
                ["exp"] = exp,
                ["iss"] = options.Issuer,
            });
            var signingInput = $"{header}.{payload}";
            var signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            return $"{signingInput}.{Pad(Base64Url.EncodeToString(signature))}";
        }
    }

    /// <summary>The headers the ALB adds to a request it authenticated.</summary>
    public void AddIdentityHeaders(IHeaderDictionary headers, string subject, string email)
    {
        headers[AccessTokenHeader] = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        headers[IdentityHeader] = subject;
        headers[DataHeader] = Issue(subject, email);
    }

    /// <summary>Clients must never be able to inject identity: every client-sent x-amzn-oidc-* header is dropped.</summary>
    public static void StripClientIdentityHeaders(IHeaderDictionary headers)
    {
        foreach (var name in headers.Keys.Where(k => k.StartsWith("x-amzn-oidc-", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            headers.Remove(name);
        }
    }

    private static string Encode(Dictionary<string, object> value) => Pad(Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(value)));

    private static string Pad(string base64Url) => base64Url.PadRight(base64Url.Length + (4 - base64Url.Length % 4) % 4, '=');

    public void Dispose()
    {
        lock (gate)
        {
            foreach (var (_, key) in keys)
            {
                key.Dispose();
            }
        }
    }
}

/// <summary>The public key endpoint and its loopback-only rotation.</summary>
internal static class AlbKeyEndpoints
{
    public static void MapAlbKeys(this IEndpointRouteBuilder app)
    {
        app.MapGet("/_edge/alb-keys/{kid}", (string kid, AlbTokenIssuer issuer) =>
            issuer.PublicKeyPem(kid) is { } pem
                ? Results.Text(pem, "text/plain")
                : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown key id"));

        app.MapPost("/_edge/alb-keys/rotate", (AlbTokenIssuer issuer) => Results.Ok(new { kid = issuer.Rotate() }))
            .AddEndpointFilter<LoopbackOnly>();
    }
}
