using System.Net;
using System.Text.RegularExpressions;

namespace Groundwork.Testing;

/// <summary>Signs in at the edge's Cognito stand-in the way a browser does: load the form, post it with its anti-forgery token.</summary>
public static partial class EdgeSignIn
{
    public static async Task SignInAsync(HttpClient client, string email, string returnUrl = "/admin/")
    {
        var page = await client.GetStringAsync($"/_edge/signin?returnUrl={Uri.EscapeDataString(returnUrl)}");
        var token = AntiforgeryField().Match(page);
        if (!token.Success)
        {
            throw new InvalidOperationException("The sign-in page carries no anti-forgery token.");
        }
        var response = await client.PostAsync("/_edge/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
            ["returnUrl"] = returnUrl,
            ["email"] = email,
        }));
        if (response.StatusCode is not (HttpStatusCode.Redirect or HttpStatusCode.SeeOther or HttpStatusCode.OK))
        {
            throw new InvalidOperationException($"Sign-in answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
