using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Groundwork.Faults.Tests.Infrastructure;
using Groundwork.Testing;
using MySqlConnector;
using Xunit.Abstractions;

namespace Groundwork.Faults.Tests;

/// <summary>
/// Promise 8: forged identities, injected identity headers, SQL injection, open redirects, rate-limit evasion and
/// dangerous target URLs, through the edge and straight to an instance. Each check is a row of one scenario.
/// </summary>
[Collection(AbuseCollection.Name)]
public sealed class AttackTests(AbuseStack stack, ITestOutputHelper output)
{
    private readonly List<string> _broken = [];
    private int _attempts;

    [Fact]
    public async Task Attacks_are_refused_and_change_nothing()
    {
        var notes = new List<string>();
        try
        {
            notes.Add(await ForgedTokensAsync());
            notes.Add(await RateLimitAcrossInstancesAsync());
            notes.Add(await DangerousUrlsAsync());
            notes.Add(await OpenRedirectsAsync());
            notes.Add(await SqlInjectionAsync());
        }
        finally
        {
            output.WriteLine($"{_attempts} attack requests; broken: {string.Join("; ", _broken)}");
            foreach (var note in notes)
            {
                output.WriteLine(note);
            }
            ReliabilityResults.Record(new ReliabilityScenarioResult(8,
                "Attacks: forged/expired/wrong-signer/wrong-kid/alg-confusion tokens → 401; client x-amzn-oidc-* never reach an instance; SQL injection changes nothing; open redirect refused; creation limit holds across instances; javascript:/data:/credential URLs refused",
                "hand-made attack requests through the edge and straight to an instance",
                _attempts, _broken.Count, string.Join("; ", _broken.Take(5)),
                _broken.Count == 0 ? "none (tables compared before and after)" : "see failures",
                _broken.Count == 0 && notes.Count == 5,
                string.Join(" ", notes),
                DateTimeOffset.UtcNow));
        }
        Assert.Empty(_broken);
    }

    private void Expect(bool ok, string what)
    {
        _attempts++;
        if (!ok)
        {
            _broken.Add(what);
        }
    }

    /// <summary>What the local edge signs as (its ALB ARN, Cognito issuer and client id), for tokens an attacker forges.</summary>
    private static readonly AlbTokens LocalAlb = new(
        "arn:aws:elasticloadbalancing:local:000000000000:loadbalancer/app/groundwork-local/0123456789abcdef",
        "https://cognito-idp.local.amazonaws.com/local_groundwork",
        "groundwork-local");

    private async Task<string> ForgedTokensAsync()
    {
        using var admin = stack.CreateEdgeClient(new CookieContainer());
        await EdgeSignIn.SignInAsync(admin, "admin@example.com");
        using var user = stack.CreateEdgeClient(new CookieContainer());
        await EdgeSignIn.SignInAsync(user, "someone@example.org");

        var (genuine, genuineUser, seen, leaked) = await CaptureIdentityHeadersAsync(admin, user);
        var kid = AlbTokens.KidOf(genuine);
        var lifetime = AlbTokens.ExpiryOf(genuine) - DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var edge = stack.CreateEdgeClient();
        var pem = await edge.GetStringAsync($"/_edge/alb-keys/{kid}");

        using var attacker = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var rsa = RSA.Create(2048);
        var forged = new Dictionary<string, string>
        {
            ["garbage"] = "not-a-token",
            ["alg none"] = LocalAlb.CreateWithAlg("none", kid, hmacSecret: null),
            ["forged (attacker's key, the ALB's kid)"] = LocalAlb.Create(attacker, kid, sub: "attacker"),
            ["wrong kid (attacker's key and kid)"] = LocalAlb.Create(attacker, Guid.NewGuid().ToString(), sub: "attacker"),
            ["wrong signer"] = LocalAlb.Create(attacker, kid, sub: "attacker", signer: "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/evil/0000000000000000"),
            ["alg confusion HS256 keyed with the ALB public key"] = LocalAlb.CreateWithAlg("HS256", kid, hmacSecret: Encoding.ASCII.GetBytes(pem)),
            ["alg confusion RS256"] = LocalAlb.CreateWithAlg("RS256", kid, hmacSecret: null, rsa: rsa),
            ["non-admin's genuine token with the email changed to the admin's"] = AlbTokens.WithEmail(genuineUser, "admin@example.com"),
            ["path traversal kid"] = LocalAlb.Create(attacker, "../../_edge/alb-keys/" + kid, sub: "attacker"),
        };

        // Control: the genuine token works straight to an instance (so a 401 below is the forgery's doing).
        Expect(await AdminMeStatusAsync(1, genuine) == HttpStatusCode.OK, "a genuine admin token was refused by an instance");
        foreach (var (name, token) in forged)
        {
            for (var instance = 1; instance <= stack.ApiInstances; instance++)
            {
                var status = await AdminMeStatusAsync(instance, token);
                Expect(status == HttpStatusCode.Unauthorized, $"{name} straight to api-{instance}: {(int)status}");
            }
            using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/api/links");
            request.Headers.TryAddWithoutValidation("x-amzn-oidc-data", token);
            var throughEdge = (await edge.SendAsync(request)).StatusCode;
            Expect(throughEdge is HttpStatusCode.Unauthorized or HttpStatusCode.Found, $"{name} through the edge: {(int)throughEdge}");
            using var asUser = new HttpRequestMessage(HttpMethod.Get, "/admin/api/links");
            asUser.Headers.TryAddWithoutValidation("x-amzn-oidc-data", token);
            var userStatus = (await user.SendAsync(asUser)).StatusCode;
            Expect(userStatus == HttpStatusCode.Forbidden, $"{name} through the edge by a signed-in non-admin: {(int)userStatus}");
        }

        // Expired: the genuine token replayed after its lifetime (short in this stack, no clock skew allowed).
        await Task.Delay(TimeSpan.FromSeconds(Math.Max(0, lifetime) + 1.5));
        for (var instance = 1; instance <= stack.ApiInstances; instance++)
        {
            var status = await AdminMeStatusAsync(instance, genuine);
            Expect(status == HttpStatusCode.Unauthorized, $"expired genuine token straight to api-{instance}: {(int)status}");
        }
        return $"Tokens: {forged.Count + 1} forged kinds (incl. an expired genuine one replayed, lifetime {lifetime} s) got 401 from both instances and 401 (anonymous) or 403 (signed-in non-admin: the edge replaced the header) through the edge; a fresh genuine token got 200. " +
               $"A capture target registered with the edge received {seen} requests carrying client-sent x-amzn-oidc-* headers: {leaked} had them.";
    }

    /// <summary>
    /// Client-sent identity headers never reach a target (anonymous, signed-in non-admin, signed-in admin), and the
    /// genuine tokens the edge adds for the admin and the non-admin, as an instance sees them. The capture target is
    /// in rotation only for this part (it answers 200 to anything).
    /// </summary>
    private async Task<(string Genuine, string GenuineUser, int Seen, int Leaked)> CaptureIdentityHeadersAsync(HttpClient admin, HttpClient user)
    {
        const string injected = "injected-by-the-client";
        await using var capture = await CaptureTarget.RegisterAsync(stack);
        using var anonymous = stack.CreateEdgeClient();
        foreach (var (client, path) in new[] { (anonymous, "/api/links/abc"), (user, "/admin/api/me"), (admin, "/admin/api/me"), (anonymous, "/some-slug") })
        {
            for (var i = 0; i < 6; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                request.Headers.TryAddWithoutValidation("x-amzn-oidc-data", injected);
                request.Headers.TryAddWithoutValidation("X-AMZN-OIDC-IDENTITY", injected);
                request.Headers.TryAddWithoutValidation("x-amzn-oidc-accesstoken", injected);
                request.Headers.TryAddWithoutValidation("x-amzn-oidc-something-new", injected);
                _attempts++;
                await client.SendAsync(request);
            }
        }
        var seen = capture.Seen.Count;
        var leaked = capture.Seen.Count(h => h.Any(kv => kv.Key.StartsWith("x-amzn-oidc-", StringComparison.Ordinal) && kv.Value.Contains(injected, StringComparison.Ordinal)));
        Expect(seen > 0, "the capture target received nothing");
        Expect(leaked == 0, $"{leaked} requests reached a target with a client-sent x-amzn-oidc-* header");

        var genuine = await capture.CaptureHeaderAsync(() => admin.GetAsync("/admin/api/me"), "x-amzn-oidc-data");
        var genuineUser = await capture.CaptureHeaderAsync(() => user.GetAsync("/admin/api/me"), "x-amzn-oidc-data");
        return (genuine, genuineUser, seen, leaked);
    }

    private async Task<HttpStatusCode> AdminMeStatusAsync(int instance, string token)
    {
        using var client = stack.CreateInstanceClient(instance);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/api/me");
        request.Headers.TryAddWithoutValidation("x-amzn-oidc-data", token);
        return (await client.SendAsync(request)).StatusCode;
    }

    /// <summary>One client alternates between the two instances: together they must allow the limit once, not twice.</summary>
    private async Task<string> RateLimitAcrossInstancesAsync()
    {
        var address = $"10.8.{Random.Shared.Next(1, 254)}.{Random.Shared.Next(1, 254)}";
        var clients = new[] { stack.CreateInstanceClient(1), stack.CreateInstanceClient(2) };
        var allowed = 0;
        var limited = 0;
        for (var i = 0; i < AbuseStack.AbuseCreateLimit + 20; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/links") { Content = JsonContent.Create(new { url = "not a url" }) };
            request.Headers.Add("X-Forwarded-For", address);
            var status = (await clients[i % 2].SendAsync(request)).StatusCode;
            _attempts++;
            if (status == HttpStatusCode.TooManyRequests)
            {
                limited++;
            }
            else
            {
                allowed++;
            }
        }
        foreach (var client in clients)
        {
            client.Dispose();
        }
        Expect(allowed == AbuseStack.AbuseCreateLimit, $"one client got {allowed} creations across both instances (limit {AbuseStack.AbuseCreateLimit}/min)");
        return $"Rate limit: one client alternating between both instances got {allowed} of {allowed + limited} creations (limit {AbuseStack.AbuseCreateLimit}/min shared through Redis).";
    }

    private async Task<string> DangerousUrlsAsync()
    {
        string[] urls =
        [
            "javascript:alert(1)", "JaVaScRiPt:alert(document.cookie)", " javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
            "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "vbscript:msgbox(1)", "file:///etc/passwd", "ftp://example.com/x",
            "https://user:password@example.com/", "https://admin@example.com", "http://example.com@evil.example/", "//evil.example/",
            "http://", "https:///path-only", "\\\\evil.example\\share", "https://exa mple.com/",
        ];
        var refused = 0;
        foreach (var url in urls)
        {
            using var client = stack.CreateInstanceClient(1 + refused % 2);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/links") { Content = JsonContent.Create(new { url }) };
            request.Headers.Add("X-Forwarded-For", $"10.9.0.{refused % 250 + 1}");
            var response = await client.SendAsync(request);
            var ok = response.StatusCode == HttpStatusCode.BadRequest && response.Content.Headers.ContentType?.MediaType == "application/problem+json";
            Expect(ok, $"target URL '{url}' answered {(int)response.StatusCode}");
            refused += ok ? 1 : 0;
        }
        return $"Target URLs: {refused} of {urls.Length} dangerous URLs (javascript:, data:, credentials, other schemes, protocol-relative) refused with 400 problem details.";
    }

    private async Task<string> OpenRedirectsAsync()
    {
        string[] returnUrls =
        [
            "https://evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example", "http:evil.example", "https:/evil.example",
            "javascript:alert(1)", "/%2F%2Fevil.example", " //evil.example", "/\t/evil.example", "///evil.example", "https://127.0.0.1.evil.example/admin",
        ];
        var safe = 0;
        foreach (var returnUrl in returnUrls)
        {
            _attempts++;
            // null: refused outright (4xx), which is safe.
            var location = await LastSignInRedirectAsync(returnUrl);
            var ok = location is null || IsLocal(location);
            Expect(ok, $"sign-in with returnUrl '{returnUrl}' redirected to '{location}'");
            safe += ok ? 1 : 0;
        }
        return $"Sign-in returnUrl: {safe} of {returnUrls.Length} off-site or script targets refused or replaced by a local path.";
    }

    /// <summary>Posts the sign-in form the way a browser would and returns the Location the edge answers with.</summary>
    private async Task<string?> LastSignInRedirectAsync(string returnUrl)
    {
        using var client = stack.CreateEdgeClient(new CookieContainer());
        var page = await client.GetAsync($"/_edge/signin?returnUrl={Uri.EscapeDataString(returnUrl)}");
        if (page.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found)
        {
            return page.Headers.Location?.OriginalString;
        }
        var html = await page.Content.ReadAsStringAsync();
        var token = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"");
        if (!page.IsSuccessStatusCode || !token.Success)
        {
            return null;
        }
        var response = await client.PostAsync("/_edge/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
            ["returnUrl"] = returnUrl,
            ["email"] = "admin@example.com",
        }));
        return response.Headers.Location?.OriginalString;
    }

    private static bool IsLocal(string location) =>
        location.StartsWith('/') && !location.StartsWith("//", StringComparison.Ordinal) && !location.StartsWith("/\\", StringComparison.Ordinal)
        && !location.Any(char.IsControl);

    private async Task<string> SqlInjectionAsync()
    {
        string[] payloads =
        [
            "' OR '1'='1", "'; DROP TABLE links; --", "\" OR 1=1 --", "1 OR 1=1", "admin'--", "' UNION SELECT user, password FROM mysql.user --",
            "%' OR slug LIKE '%", "_", "%", "!%", "1; UPDATE links SET url='https://evil.example' --", "' AND SLEEP(3) --", "\\'; DELETE FROM admin_audit_log; --",
            "0-1-999999999', '1') OR ('1", "\u0000' OR 1=1", "abc`; DROP DATABASE groundwork; --",
        ];
        var before = await SnapshotAsync();
        using var admin = stack.CreateEdgeClient(new CookieContainer());
        await EdgeSignIn.SignInAsync(admin, "admin@example.com");
        using var direct = stack.CreateInstanceClient(1);
        var created = new List<(string Slug, string Url)>();
        var serverErrors = 0;
        var n = 0;
        async Task Send(HttpClient client, HttpMethod method, string path, object? body = null)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            request.Headers.Add("X-Forwarded-For", $"10.10.{n / 250}.{n % 250 + 1}");
            n++;
            _attempts++;
            var response = await client.SendAsync(request);
            if ((int)response.StatusCode >= 500)
            {
                serverErrors++;
                _broken.Add($"{method} {path} answered {(int)response.StatusCode}");
            }
            if (response.StatusCode == HttpStatusCode.Created)
            {
                var link = await response.Content.ReadFromJsonAsync<JsonElement>();
                created.Add((link.GetProperty("slug").GetString()!, link.GetProperty("url").GetString()!));
            }
        }
        foreach (var payload in payloads)
        {
            var e = Uri.EscapeDataString(payload);
            await Send(direct, HttpMethod.Get, "/" + e);
            await Send(direct, HttpMethod.Get, $"/api/links/{e}");
            await Send(direct, HttpMethod.Get, $"/api/links/{e}/clicks?from={e}&to={e}&bucket={e}");
            await Send(direct, HttpMethod.Post, "/api/links", new { url = payload, slug = payload });
            await Send(direct, HttpMethod.Post, "/api/links", new { url = "https://example.com/?q=" + e, slug = (string?)null });
            await Send(admin, HttpMethod.Get, $"/admin/api/links?slug={e}&q={e}&createdFrom={e}&createdTo={e}&page={e}&pageSize={e}");
            await Send(admin, HttpMethod.Get, $"/admin/api/links?q={e}");
            await Send(admin, HttpMethod.Get, $"/admin/api/audit?page={e}&pageSize={e}");
            await Send(admin, HttpMethod.Post, $"/admin/api/links/{e}/disable");
            await Send(admin, HttpMethod.Delete, $"/admin/api/links/{e}");
        }
        // A LIKE search for a wildcard finds only URLs that contain it literally.
        var wildcard = await admin.GetFromJsonAsync<JsonElement>("/admin/api/links?q=%25&pageSize=200");
        var wildcardHits = wildcard.GetProperty("items").EnumerateArray().Count(i => !i.GetProperty("url").GetString()!.Contains('%', StringComparison.Ordinal));
        Expect(wildcardHits == 0, $"a search for '%' matched {wildcardHits} URLs without '%'");

        var after = await SnapshotAsync();
        var stored = await stack.LinksOnPrimaryAsync(created.Select(c => c.Slug));
        Expect(created.All(c => stored.TryGetValue(c.Slug, out var url) && url == c.Url), "a link with an injection payload in its URL was not stored verbatim");
        Expect(after.Links == before.Links + created.Count, $"links went from {before.Links} to {after.Links} with {created.Count} legitimate creations");
        Expect(after.Audit == before.Audit, $"audit entries went from {before.Audit} to {after.Audit}");
        Expect(after.Disabled == before.Disabled, $"disabled links went from {before.Disabled} to {after.Disabled}");
        Expect(after.Tables == before.Tables && after.Users == before.Users, "tables or database users changed");
        return $"SQL injection: {payloads.Length} payloads in every path, query and body parameter of the public and admin API ({n} requests): 0 server errors; " +
               $"row counts, disabled flags, audit log, tables and users unchanged apart from {created.Count} legitimate links whose URLs carry the payload verbatim.";
    }

    private sealed record Snapshot(long Links, long Disabled, long Audit, string Tables, long Users);

    private async Task<Snapshot> SnapshotAsync()
    {
        await using var root = await stack.PrimaryRootAsync();
        async Task<string> Scalar(string sql)
        {
            await using var command = new MySqlCommand(sql, root);
            return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
        }
        return new Snapshot(
            long.Parse(await Scalar("SELECT COUNT(*) FROM groundwork.links"), System.Globalization.CultureInfo.InvariantCulture),
            long.Parse(await Scalar("SELECT COUNT(*) FROM groundwork.links WHERE disabled = 1"), System.Globalization.CultureInfo.InvariantCulture),
            long.Parse(await Scalar("SELECT COUNT(*) FROM groundwork.admin_audit_log"), System.Globalization.CultureInfo.InvariantCulture),
            await Scalar("SELECT GROUP_CONCAT(TABLE_NAME ORDER BY TABLE_NAME) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'groundwork'"),
            long.Parse(await Scalar("SELECT COUNT(*) FROM mysql.user"), System.Globalization.CultureInfo.InvariantCulture));
    }
}
