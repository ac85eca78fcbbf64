using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Groundwork.ServiceDefaults.AlbIdentity;

/// <summary>
/// Authenticates the user the ALB signed in (Cognito) from the <c>x-amzn-oidc-data</c> header.
/// Refusals are RFC 9457 problem details; the reason is logged, the token never is.
/// </summary>
internal sealed class AlbIdentityHandler(
    IOptionsMonitor<AlbIdentityOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    AlbTokenValidator validator)
    : AuthenticationHandler<AlbIdentityOptions>(options, loggerFactory, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(AlbIdentityDefaults.DataHeader, out var values) || values.Count == 0)
        {
            return Options.IsConfigured ? AuthenticateResult.NoResult() : AuthenticateResult.Fail("ALB identity is not configured");
        }

        if (values.Count > 1 || string.IsNullOrEmpty(values[0]))
        {
            return Refuse("more than one or an empty x-amzn-oidc-data header");
        }

        var result = await validator.ValidateAsync(values[0]!, Options, Context.RequestAborted);
        if (result.Identity is not { } identity)
        {
            return Refuse(result.FailureReason ?? "invalid token");
        }

        var claims = new List<Claim>
        {
            new("sub", identity.Subject),
            new(ClaimTypes.NameIdentifier, identity.Subject),
        };
        if (!string.IsNullOrEmpty(identity.Email))
        {
            claims.Add(new Claim("email", identity.Email));
            claims.Add(new Claim(ClaimTypes.Email, identity.Email));
            claims.Add(new Claim(ClaimTypes.Name, identity.Email));
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme.Name, ClaimTypes.Name, ClaimTypes.Role));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    private AuthenticateResult Refuse(string reason)
    {
        Logger.LogWarning("ALB identity refused for {Method} {Path}: {Reason}", Request.Method, Request.Path, reason);
        return AuthenticateResult.Fail(reason);
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(StatusCodes.Status401Unauthorized, "Authentication required",
            "This endpoint needs a signed-in user (a valid ALB identity header).");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden", "The signed-in user is not an admin.");

    private Task WriteProblemAsync(int status, string title, string detail) =>
        Results.Problem(statusCode: status, title: title, detail: detail).ExecuteAsync(Context);
}
