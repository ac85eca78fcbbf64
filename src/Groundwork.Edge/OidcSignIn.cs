using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Groundwork.Edge;

/// <summary>
/// Optional: sign in with a real OpenID Connect provider (Google, as Cognito federates it in AWS) when Edge:Oidc is
/// configured. The provider's sub and email become the session, and so the identity header the app receives.
/// The local email form is then switched off: with a real provider nobody may pick their own identity.
/// </summary>
internal static class OidcSignIn
{
    public const string Scheme = "Oidc";

    /// <summary>The redirect URI to register at the provider (the ALB's is /oauth2/idpresponse).</summary>
    public const string CallbackPath = "/_edge/oidc/idpresponse";

    public static AuthenticationBuilder AddEdgeOidc(this AuthenticationBuilder authentication, EdgeOidcOptions oidc)
    {
        if (!oidc.IsConfigured)
        {
            return authentication;
        }

        return authentication.AddOpenIdConnect(Scheme, o =>
        {
            o.Authority = oidc.Authority;
            o.ClientId = oidc.ClientId;
            o.ClientSecret = oidc.ClientSecret;
            o.RequireHttpsMetadata = oidc.Authority!.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
            o.ResponseType = OpenIdConnectResponseType.Code;
            o.ResponseMode = OpenIdConnectResponseMode.Query;
            o.UsePkce = true;
            o.Scope.Clear();
            o.Scope.Add("openid");
            o.Scope.Add("email");
            o.Scope.Add("profile");
            o.SignInScheme = SignIn.Scheme;
            o.CallbackPath = CallbackPath;
            o.MapInboundClaims = false; // keep "sub" and "email" as the provider names them
            o.SaveTokens = false;
            o.GetClaimsFromUserInfoEndpoint = false;
            // The edge is plain HTTP on loopback; the correlation and nonce cookies must still reach the callback.
            o.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.CorrelationCookie.SameSite = SameSiteMode.Lax;
            o.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.NonceCookie.SameSite = SameSiteMode.Lax;
            o.Events.OnTokenValidated = context =>
            {
                var email = context.Principal?.FindFirst("email")?.Value;
                var verified = context.Principal?.FindFirst("email_verified")?.Value;
                if (string.IsNullOrEmpty(email) || string.Equals(verified, "false", StringComparison.OrdinalIgnoreCase))
                {
                    context.Fail("The provider did not return a verified email address.");
                }

                return Task.CompletedTask;
            };
            o.Events.OnRemoteFailure = async context =>
            {
                context.HandleResponse();
                context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OidcSignIn))
                    .LogWarning("OpenID Connect sign-in failed: {Error}", context.Failure?.Message);
                await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in failed",
                    detail: "The identity provider did not sign you in.").ExecuteAsync(context.HttpContext);
            };
        });
    }
}
