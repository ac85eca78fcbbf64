using System.Security.Cryptography;
using Groundwork.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Groundwork.Api.Tests.Contract;

/// <summary>
/// Plays the ALB after Cognito sign-in: serves its public key like https://public-keys.auth.elb.{region}.amazonaws.com/{kid}
/// (a real HTTP server) and signs the x-amzn-oidc-data header with the shared <see cref="AlbTokens"/> (the ALB's wire
/// format). <see cref="Settings"/> configure an Api instance to trust it, with one allowlisted admin.
/// </summary>
public sealed class AlbSignInStandIn : IAsyncDisposable
{
    public const string AdminEmail = "admin@example.com";

    private static readonly AlbTokens Alb = new(
        "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/groundwork/50dc6c495c0c9188",
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_contract",
        "contract-client");

    private readonly WebApplication keys;
    private readonly ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly string kid = Guid.NewGuid().ToString();

    private AlbSignInStandIn(WebApplication keys) => this.keys = keys;

    public IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["AlbIdentity:SignerArn"] = Alb.SignerArn,
        ["AlbIdentity:KeyEndpoint"] = keys.Urls.Single(),
        ["AlbIdentity:Issuer"] = Alb.Issuer,
        ["AlbIdentity:ClientId"] = Alb.ClientId,
        ["Admin:Emails"] = AdminEmail, // the form the deployment uses (Admin__Emails, comma-separated)
    };

    public static async Task<AlbSignInStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var signIn = new AlbSignInStandIn(app);
        app.MapGet("/{kid}", (string kid) => kid == signIn.kid ? Results.Text(signIn.key.ExportSubjectPublicKeyInfoPem(), "text/plain") : Results.NotFound());
        await app.StartAsync();
        return signIn;
    }

    /// <summary>The header value the ALB would add for this user.</summary>
    public string Token(string email = AdminEmail) =>
        Alb.Create(key, kid, sub: "sub-" + email, email: email, expires: DateTimeOffset.UtcNow.AddMinutes(10));

    public async ValueTask DisposeAsync()
    {
        await keys.DisposeAsync();
        key.Dispose();
    }
}
