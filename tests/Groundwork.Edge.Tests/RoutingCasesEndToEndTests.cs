using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Groundwork.Routing.Cases;

namespace Groundwork.Edge.Tests;

/// <summary>
/// The routing table that the synthesized ALB and CloudFront must route (Groundwork.Infra.Tests, RoutingAgreementTests),
/// sent through the running edge over HTTP with each case's Host header: what the edge actually does, not only what
/// its evaluator says.
/// </summary>
public sealed partial class RoutingCasesEndToEndTests(EdgeFixture fixture) : IClassFixture<EdgeFixture>
{
    private const string Domain = "groundwork.local";

    public static TheoryData<int> Cases => new(Enumerable.Range(0, RoutingCases.All.Count));

    [Theory, MemberData(nameof(Cases))]
    public async Task Anonymous_request(int index)
    {
        var @case = RoutingCases.All[index];
        var before = fixture.Api1.Requests + fixture.Api2.Requests;
        using var response = await fixture.Edge.Client.SendAsync(Request(@case));
        var body = await response.Content.ReadAsStringAsync();
        var reachedApp = fixture.Api1.Requests + fixture.Api2.Requests != before;

        switch (@case.Expected)
        {
            case "static":
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.False(reachedApp);
                Assert.True(body.Contains(EdgeFixture.IndexMarker, StringComparison.Ordinal) || body == EdgeFixture.AssetText, body);
                break;
            case "404":
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
                Assert.False(reachedApp);
                break;
            case "app":
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal(@case.Path, JsonDocument.Parse(body).RootElement.GetProperty("path").GetString());
                break;
            case "app+cognito" or "analytics+cognito":
                // Nothing passes without signing in; the target is told apart by the signed-in test below.
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                Assert.False(reachedApp);
                break;
            default:
                throw new InvalidOperationException(@case.Expected);
        }
    }

    [Theory, MemberData(nameof(Cases))]
    public async Task Signed_in_request_reaches_the_expected_target(int index)
    {
        var @case = RoutingCases.All[index];
        if (!@case.Expected.EndsWith("+cognito", StringComparison.Ordinal))
        {
            return; // the anonymous test covers it; signing in changes nothing there
        }

        using var browser = await SignedInAsync();
        using var response = await browser.SendAsync(Request(@case));
        var body = await response.Content.ReadAsStringAsync();
        if (@case.Expected == "app+cognito")
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(@case.Path, JsonDocument.Parse(body).RootElement.GetProperty("path").GetString());
        }
        else
        {
            // Metabase has no local stand-in: the edge names the target group it would forward to.
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Contains("'analytics'", body, StringComparison.Ordinal);
        }
    }

    private static HttpRequestMessage Request(RoutingCases.Case @case)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, @case.Path);
        request.Headers.Host = RoutingCases.HostName(@case.Host, Domain);
        request.Headers.Accept.ParseAdd("application/json");
        return request;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    private async Task<HttpClient> SignedInAsync()
    {
        var browser = fixture.Edge.NewClient(new CookieContainer());
        var page = await browser.GetStringAsync("/_edge/signin?returnUrl=%2Fadmin");
        var token = WebUtility.HtmlDecode(AntiforgeryField().Match(page).Groups[1].Value);
        using var signIn = await browser.PostAsync("/_edge/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["returnUrl"] = "/admin",
            ["email"] = "admin@example.com",
        }));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        return browser;
    }
}
