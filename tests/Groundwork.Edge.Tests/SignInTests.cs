using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Groundwork.Edge.Tests;

/// <summary>
/// The Cognito stand-in: sign-in with a cookie jar, open-redirect and CSRF protection, and the identity header the
/// edge adds, verified end to end by an app instance that uses the app tier's AddAlbIdentity.
/// </summary>
public sealed partial class SignInTests : IAsyncLifetime
{
    private EdgeHost edge = null!;
    private Backend app = null!;

    public async Task InitializeAsync()
    {
        edge = await EdgeHost.StartAsync();
        var options = new EdgeOptions();
        app = await Backend.StartAsync("api-1", new Dictionary<string, string?>
        {
            ["AlbIdentity:SignerArn"] = options.AlbArn,
            ["AlbIdentity:KeyEndpoint"] = $"{edge.BaseUrl}/_edge/alb-keys",
            ["AlbIdentity:Issuer"] = options.Issuer,
            ["AlbIdentity:ClientId"] = options.ClientId,
            ["Admin:Emails"] = "admin@example.com",
        });
        // Registered through the registration API, as the deploy tool does it.
        using var put = await edge.Client.PutAsJsonAsync("/_edge/targets/api-1", new { url = app.Url });
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
    }

    public async Task DisposeAsync()
    {
        await edge.DisposeAsync();
        await app.DisposeAsync();
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    private static async Task<HttpResponseMessage> SignInAsync(HttpClient client, string email, string returnUrl = "/admin/api/whoami")
    {
        var page = await client.GetStringAsync($"/_edge/signin?returnUrl={Uri.EscapeDataString(returnUrl)}");
        var token = WebUtility.HtmlDecode(AntiforgeryField().Match(page).Groups[1].Value);
        return await client.PostAsync("/_edge/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["returnUrl"] = returnUrl,
            ["email"] = email,
        }));
    }

    private static HttpRequestMessage Get(string path, string accept = "application/json")
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd(accept);
        return request;
    }

    [Fact]
    public async Task Browser_signs_in_and_the_app_verifies_the_signed_identity_header()
    {
        var cookies = new CookieContainer();
        using var browser = edge.NewClient(cookies);

        using var challenge = await browser.SendAsync(Get("/admin/api/whoami", "text/html"));
        Assert.Equal(HttpStatusCode.Redirect, challenge.StatusCode);
        var signInUrl = challenge.Headers.Location!.OriginalString;
        Assert.StartsWith("/_edge/signin?returnUrl=", signInUrl, StringComparison.Ordinal);

        using var signedIn = await SignInAsync(browser, "admin@example.com");
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/admin/api/whoami", signedIn.Headers.Location?.OriginalString);
        var sessionCookie = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("AWSELBAuthSessionCookie=", StringComparison.Ordinal));
        Assert.Contains("httponly", sessionCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", sessionCookie, StringComparison.OrdinalIgnoreCase);

        using var whoami = await browser.SendAsync(Get("/admin/api/whoami"));
        Assert.Equal(HttpStatusCode.OK, whoami.StatusCode);
        var body = await whoami.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("admin@example.com", body.GetProperty("email").GetString());
        Assert.Equal(SignIn.SubjectFor("admin@example.com"), body.GetProperty("sub").GetString());
    }

    [Fact]
    public async Task The_header_is_in_the_ALB_format_and_client_sent_identity_is_replaced()
    {
        using var browser = edge.NewClient(new CookieContainer());
        using var signIn = await SignInAsync(browser, "admin@example.com");
        using var request = Get("/admin/echo");
        request.Headers.TryAddWithoutValidation("x-amzn-oidc-identity", "forged-sub");
        request.Headers.TryAddWithoutValidation("x-amzn-oidc-data", "forged");

        using var response = await browser.SendAsync(request);
        var headers = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("headers");

        Assert.Equal(SignIn.SubjectFor("admin@example.com"), headers.GetProperty("x-amzn-oidc-identity").GetString());
        Assert.False(string.IsNullOrEmpty(headers.GetProperty("x-amzn-oidc-accesstoken").GetString()));
        var token = headers.GetProperty("x-amzn-oidc-data").GetString()!;
        var parts = token.Split('.');
        Assert.Equal(3, parts.Length);
        Assert.All(parts, p => Assert.Equal(0, p.Length % 4)); // padded base64url, like the ALB
        var header = JsonDocument.Parse(Convert.FromBase64String(parts[0].Replace('-', '+').Replace('_', '/'))).RootElement;
        Assert.Equal("ES256", header.GetProperty("alg").GetString());
        Assert.Equal(new EdgeOptions().AlbArn, header.GetProperty("signer").GetString());
        Assert.True(header.TryGetProperty("kid", out _));
        Assert.True(header.TryGetProperty("exp", out _));
        Assert.True(header.TryGetProperty("iss", out _));
        Assert.True(header.TryGetProperty("client", out _));
    }

    [Fact]
    public async Task Signed_in_user_who_is_not_an_admin_gets_403_from_the_app()
    {
        using var browser = edge.NewClient(new CookieContainer());
        using var signIn = await SignInAsync(browser, "someone@example.com");

        using var response = await browser.SendAsync(Get("/admin/api/whoami"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_forged_header_without_a_session_never_reaches_the_app()
    {
        using var request = Get("/admin/echo");
        request.Headers.TryAddWithoutValidation("x-amzn-oidc-data", "eyJhbGciOiJub25lIn0=.eyJzdWIiOiJ4In0=.");

        using var response = await edge.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, app.Requests);
    }

    [Fact]
    public async Task Key_rotation_keeps_old_keys_served_and_new_tokens_verify()
    {
        using var browser = edge.NewClient(new CookieContainer());
        using var signIn = await SignInAsync(browser, "admin@example.com");
        var issuer = (AlbTokenIssuer)edge.Services.GetService(typeof(AlbTokenIssuer))!;
        var oldKid = issuer.CurrentKid;

        using var rotate = await edge.Client.PostAsync("/_edge/alb-keys/rotate", null);
        var newKid = (await rotate.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("kid").GetString();
        using var whoami = await browser.SendAsync(Get("/admin/api/whoami"));
        using var oldKey = await edge.Client.GetAsync($"/_edge/alb-keys/{oldKid}");
        using var newKey = await edge.Client.GetAsync($"/_edge/alb-keys/{newKid}");
        using var unknownKey = await edge.Client.GetAsync("/_edge/alb-keys/not-a-key");

        Assert.NotEqual(oldKid, newKid);
        Assert.Equal(HttpStatusCode.OK, whoami.StatusCode);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", await oldKey.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", await newKey.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknownKey.StatusCode);
    }

    [Theory]
    [InlineData("https://evil.example/phish")]
    [InlineData("//evil.example/phish")]
    [InlineData("/\\evil.example/phish")]
    [InlineData("javascript:alert(1)")]
    public async Task Sign_in_refuses_a_return_url_off_this_site(string returnUrl)
    {
        using var browser = edge.NewClient(new CookieContainer());

        using var page = await browser.GetAsync($"/_edge/signin?returnUrl={Uri.EscapeDataString(returnUrl)}");
        using var post = await SignInPostWithValidTokenAsync(browser, returnUrl);

        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, post.StatusCode);
        Assert.Null(post.Headers.Location);
    }

    private static async Task<HttpResponseMessage> SignInPostWithValidTokenAsync(HttpClient browser, string returnUrl)
    {
        var page = await browser.GetStringAsync("/_edge/signin");
        var token = WebUtility.HtmlDecode(AntiforgeryField().Match(page).Groups[1].Value);
        return await browser.PostAsync("/_edge/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["returnUrl"] = returnUrl,
            ["email"] = "admin@example.com",
        }));
    }

    [Fact]
    public async Task Sign_in_without_the_anti_forgery_token_is_refused()
    {
        using var browser = edge.NewClient(new CookieContainer());

        using var response = await browser.PostAsync("/_edge/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["returnUrl"] = "/admin",
            ["email"] = "admin@example.com",
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("AWSELBAuthSessionCookie=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Sign_out_ends_the_session()
    {
        using var browser = edge.NewClient(new CookieContainer());
        using var signIn = await SignInAsync(browser, "admin@example.com");

        using var signOut = await browser.PostAsync("/_edge/signout", null);
        using var after = await browser.SendAsync(Get("/admin/api/whoami"));

        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task Invalid_email_is_asked_again()
    {
        using var browser = edge.NewClient(new CookieContainer());

        using var response = await SignInAsync(browser, "not-an-email");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("valid email", await response.Content.ReadAsStringAsync());
    }
}
