using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Groundwork.Api.Tests.Contract;

/// <summary>
/// Plays the ALB after Cognito sign-in: serves its public key like https://public-keys.auth.elb.{region}.amazonaws.com/{kid}
/// (a real HTTP server) and signs the x-amzn-oidc-data header in the ALB's wire format (ES256, base64url WITH padding).
/// <see cref="Settings"/> configure an Api instance to trust it, with one allowlisted admin.
/// </summary>
public sealed class AdminSignIn : IAsyncDisposable
{
    public const string AdminEmail = "admin@example.com";
    private const string Arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/groundwork/50dc6c495c0c9188";
    private const string Issuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_contract";
    private const string ClientId = "contract-client";

    private readonly WebApplication keys;
    private readonly ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly string kid = Guid.NewGuid().ToString();

    private AdminSignIn(WebApplication keys) => this.keys = keys;

    public IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["AlbIdentity:SignerArn"] = Arn,
        ["AlbIdentity:KeyEndpoint"] = keys.Urls.Single(),
        ["AlbIdentity:Issuer"] = Issuer,
        ["AlbIdentity:ClientId"] = ClientId,
        ["Admin:Emails"] = AdminEmail, // the form the deployment uses (Admin__Emails, comma-separated)
    };

    public static async Task<AdminSignIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var signIn = new AdminSignIn(app);
        app.MapGet("/{kid}", (string kid) => kid == signIn.kid ? Results.Text(signIn.key.ExportSubjectPublicKeyInfoPem(), "text/plain") : Results.NotFound());
        await app.StartAsync();
        return signIn;
    }

    /// <summary>The header value the ALB would add for this user.</summary>
    public string Token(string email = AdminEmail)
    {
        var exp = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds();
        var header = Encode(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["typ"] = "JWT", ["kid"] = kid, ["alg"] = "ES256", ["iss"] = Issuer, ["client"] = ClientId, ["signer"] = Arn, ["exp"] = exp,
        }));
        var payload = Encode(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["sub"] = "sub-" + email, ["email"] = email, ["email_verified"] = "true", ["exp"] = exp, ["iss"] = Issuer,
        }));
        var signingInput = $"{header}.{payload}";
        var signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return $"{signingInput}.{Encode(signature)}";
    }

    private static string Encode(byte[] bytes)
    {
        var text = Base64Url.EncodeToString(bytes);
        return text.PadRight(text.Length + (4 - text.Length % 4) % 4, '=');
    }

    public async ValueTask DisposeAsync()
    {
        await keys.DisposeAsync();
        key.Dispose();
    }
}
