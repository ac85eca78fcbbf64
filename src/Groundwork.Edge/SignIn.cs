using System.Net.Mail;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace Groundwork.Edge;

/// <summary>
/// The stand-in for Cognito's hosted UI with Google: a local sign-in form that asks only for an email address
/// (there is no Google here), then the ALB's session cookie (HttpOnly, SameSite=Lax, signed and encrypted by
/// data protection). Like the ALB, an unauthenticated browser is redirected to sign in, any other client gets 401.
/// </summary>
internal static class SignIn
{
    public const string Scheme = "EdgeSession";
    public const string CookieName = "AWSELBAuthSessionCookie";
    public const string SignInPath = "/_edge/signin";
    public const string SignOutPath = "/_edge/signout";

    public static IServiceCollection AddEdgeSignIn(this IServiceCollection services, EdgeOidcOptions oidc)
    {
        services.AddAuthentication(Scheme).AddCookie(Scheme, _ => { }).AddEdgeOidc(oidc);
        services.AddOptions<CookieAuthenticationOptions>(Scheme).Configure<IOptions<EdgeOptions>>((cookie, edge) =>
        {
            cookie.Cookie.Name = CookieName;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.ExpireTimeSpan = edge.Value.SessionLifetime;
            cookie.SlidingExpiration = false;
            cookie.LoginPath = SignInPath;
            cookie.LogoutPath = SignOutPath;
            cookie.ReturnUrlParameter = "returnUrl";
        });
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "groundwork-edge-antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.FormFieldName = "__RequestVerificationToken";
            o.SuppressXFrameOptionsHeader = true; // the page sets DENY itself
        });
        return services;
    }

    /// <summary>The ALB's authenticate action: the signed-in user, or a redirect/401 and null.</summary>
    public static async Task<ClaimsPrincipal?> AuthenticateOrChallengeAsync(HttpContext context)
    {
        var result = await context.AuthenticateAsync(Scheme);
        if (result.Succeeded && result.Principal is { } user)
        {
            return user;
        }

        if (IsBrowserNavigation(context.Request))
        {
            var returnUrl = context.Request.PathBase + context.Request.Path + context.Request.QueryString;
            context.Response.Redirect($"{SignInPath}?returnUrl={Uri.EscapeDataString(returnUrl)}");
        }
        else
        {
            await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Authentication required",
                detail: $"Sign in at {SignInPath} first; the session cookie authenticates admin requests.").ExecuteAsync(context);
        }

        return null;
    }

    public static void MapEdgeSignIn(this IEndpointRouteBuilder app)
    {
        var useProvider = app.ServiceProvider.GetRequiredService<IOptions<EdgeOptions>>().Value.Oidc.IsConfigured;
        app.MapGet(SignInPath, (HttpContext context, IAntiforgery antiforgery, string? returnUrl) =>
        {
            returnUrl ??= "/admin";
            if (!IsLocalUrl(returnUrl))
            {
                return RefuseReturnUrl();
            }

            if (useProvider)
            {
                return Results.Challenge(new AuthenticationProperties { RedirectUri = returnUrl }, [OidcSignIn.Scheme]);
            }

            var tokens = antiforgery.GetAndStoreTokens(context);
            StaticSiteFiles.AddSecurityHeaders(context);
            context.Response.Headers.CacheControl = "no-store";
            return Results.Content(SignInPage(returnUrl, tokens, error: null), "text/html; charset=utf-8");
        });

        app.MapPost(SignInPath, async (HttpContext context, IAntiforgery antiforgery) =>
        {
            if (useProvider)
            {
                return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found",
                    detail: "Sign-in goes through the configured identity provider.");
            }

            if (!context.Request.HasFormContentType)
            {
                return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Form expected");
            }

            try
            {
                await antiforgery.ValidateRequestAsync(context);
            }
            catch (AntiforgeryValidationException)
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid anti-forgery token",
                    detail: "Reload the sign-in page and submit the form again.");
            }

            var form = await context.Request.ReadFormAsync();
            var returnUrl = form["returnUrl"].ToString();
            if (string.IsNullOrEmpty(returnUrl))
            {
                returnUrl = "/admin";
            }

            if (!IsLocalUrl(returnUrl))
            {
                return RefuseReturnUrl();
            }

            var email = form["email"].ToString().Trim();
            if (!IsEmail(email))
            {
                StaticSiteFiles.AddSecurityHeaders(context);
                var tokens = antiforgery.GetAndStoreTokens(context);
                return Results.Content(SignInPage(returnUrl, tokens, "Enter a valid email address."), "text/html; charset=utf-8",
                    statusCode: StatusCodes.Status400BadRequest);
            }

            var user = new ClaimsPrincipal(new ClaimsIdentity(
                [new Claim("sub", SubjectFor(email)), new Claim("email", email)], Scheme, "email", "role"));
            await context.SignInAsync(Scheme, user);
            return Results.Redirect(returnUrl);
        });

        app.MapMethods(SignOutPath, [HttpMethods.Get, HttpMethods.Post], async (HttpContext context) =>
        {
            await context.SignOutAsync(Scheme);
            return Results.Redirect("/");
        });
    }

    /// <summary>A stable subject per email, shaped like Cognito's (a UUID), so the app sees the same sub every time.</summary>
    internal static string SubjectFor(string email) =>
        new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(email.ToLowerInvariant()))[..16]).ToString();

    /// <summary>Only paths on this site: "/x" but not "//host" or "/\host" (open-redirect protection).</summary>
    internal static bool IsLocalUrl(string url) =>
        url.Length > 0 && url[0] == '/'
        && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
        && !url.Any(char.IsControl);

    private static bool IsEmail(string email) =>
        email.Length <= 254 && MailAddress.TryCreate(email, out var address) && address.Address == email && email.Contains('@');

    private static bool IsBrowserNavigation(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        && request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));

    private static IResult RefuseReturnUrl() =>
        Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid returnUrl",
            detail: "returnUrl must be a path on this site.");

    private static string SignInPage(string returnUrl, AntiforgeryTokenSet tokens, string? error)
    {
        var html = HtmlEncoder.Default;
        var message = error is null ? "" : $"<p role=\"alert\">{html.Encode(error)}</p>";
        return $$"""
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><title>Sign in – Groundwork (local)</title>
            <meta name="viewport" content="width=device-width, initial-scale=1"></head>
            <body>
              <main>
                <h1>Sign in</h1>
                <p>Local stand-in for Cognito with Google: enter the email address to sign in as.</p>
                {{message}}
                <form method="post" action="{{SignInPath}}">
                  <input type="hidden" name="{{html.Encode(tokens.FormFieldName)}}" value="{{html.Encode(tokens.RequestToken ?? "")}}">
                  <input type="hidden" name="returnUrl" value="{{html.Encode(returnUrl)}}">
                  <label for="email">Email</label>
                  <input id="email" name="email" type="email" autocomplete="email" required autofocus>
                  <button type="submit">Sign in</button>
                </form>
              </main>
            </body>
            </html>
            """;
    }
}
