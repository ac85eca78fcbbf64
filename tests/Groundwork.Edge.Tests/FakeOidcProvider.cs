using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Groundwork.Edge.Tests;

/// <summary>
/// A stand-in for Google's OpenID Connect provider (which cannot be reached here), speaking the real protocol over
/// HTTP: discovery, authorization code with PKCE, token endpoint with client secret, RS256 id_token, JWKS.
/// The "user" who signs in at the provider is <see cref="NextEmail"/>.
/// </summary>
internal sealed class FakeOidcProvider : IAsyncDisposable
{
    public const string ClientId = "edge-client";
    public const string ClientSecret = "edge-secret-for-tests";

    private readonly RSA rsa = RSA.Create(2048);
    private readonly ConcurrentDictionary<string, Grant> grants = new();
    private WebApplication app = null!;

    private sealed record Grant(string Email, string? Nonce, string RedirectUri, string? CodeChallenge);

    public string Authority { get; private set; } = "";

    public string NextEmail { get; set; } = "alice@example.com";

    public bool NextEmailVerified { get; set; } = true;

    public int TokenRequests;

    public static async Task<FakeOidcProvider> StartAsync()
    {
        var provider = new FakeOidcProvider();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var key = new RsaSecurityKey(provider.rsa) { KeyId = "test-key-1" };

        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = provider.Authority,
            ["authorization_endpoint"] = $"{provider.Authority}/authorize",
            ["token_endpoint"] = $"{provider.Authority}/token",
            ["jwks_uri"] = $"{provider.Authority}/jwks",
            ["response_types_supported"] = new[] { "code" },
            ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["code_challenge_methods_supported"] = new[] { "S256" },
        }));

        app.MapGet("/jwks", () =>
        {
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(key);
            return Results.Json(new { keys = new[] { new { kty = jwk.Kty, use = "sig", kid = jwk.Kid, alg = "RS256", n = jwk.N, e = jwk.E } } });
        });

        app.MapGet("/authorize", (HttpContext context) =>
        {
            var query = context.Request.Query;
            if (query["client_id"] != ClientId || query["response_type"] != "code")
            {
                return Results.BadRequest();
            }

            var code = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            var redirectUri = query["redirect_uri"].ToString();
            provider.grants[code] = new Grant(provider.NextEmail, query["nonce"], redirectUri, query["code_challenge"]);
            return Results.Redirect($"{redirectUri}?code={code}&state={Uri.EscapeDataString(query["state"].ToString())}");
        });

        app.MapPost("/token", async (HttpContext context) =>
        {
            Interlocked.Increment(ref provider.TokenRequests);
            var form = await context.Request.ReadFormAsync();
            if (form["client_id"] != ClientId || form["client_secret"] != ClientSecret
                || !provider.grants.TryRemove(form["code"].ToString(), out var grant)
                || form["redirect_uri"] != grant.RedirectUri
                || grant.CodeChallenge != Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"].ToString()))))
            {
                return Results.Json(new { error = "invalid_grant" }, statusCode: 400);
            }

            var now = DateTime.UtcNow;
            var idToken = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Issuer = provider.Authority,
                Audience = ClientId,
                IssuedAt = now,
                NotBefore = now,
                Expires = now.AddMinutes(5),
                Claims = new Dictionary<string, object>
                {
                    ["sub"] = "google-" + grant.Email.GetHashCode(StringComparison.Ordinal).ToString("x", System.Globalization.CultureInfo.InvariantCulture),
                    ["email"] = grant.Email,
                    ["email_verified"] = provider.NextEmailVerified,
                    ["nonce"] = grant.Nonce ?? "",
                },
                SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
            });
            return Results.Json(new { access_token = "opaque", token_type = "Bearer", expires_in = 300, id_token = idToken });
        });

        await app.StartAsync();
        provider.app = app;
        provider.Authority = app.Urls.Single();
        return provider;
    }

    public async ValueTask DisposeAsync()
    {
        await app.DisposeAsync();
        rsa.Dispose();
    }
}
