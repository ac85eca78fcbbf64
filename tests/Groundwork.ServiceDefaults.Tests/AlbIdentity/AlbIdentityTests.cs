using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Groundwork.ServiceDefaults.AlbIdentity;
using Groundwork.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Groundwork.ServiceDefaults.Tests.AlbIdentity;

/// <summary>
/// The app tier's check of the ALB identity header, end to end over real HTTP: a real key endpoint,
/// real ES256 keys, a real Kestrel app with an admin endpoint.
/// </summary>
public sealed class AlbIdentityTests : IAsyncLifetime
{
    private const string Arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/groundwork/50dc6c495c0c9188";
    private const string Kid = "0a1b2c3d-1111-2222-3333-444455556666";
    private static readonly AlbTokens Tokens = new(Arn, "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_pool", "client-abc");

    private readonly ECDsa albKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private AlbKeyServer keyServer = null!;
    private AdminApp app = null!;

    public async Task InitializeAsync()
    {
        keyServer = await AlbKeyServer.StartAsync();
        keyServer.Publish(Kid, albKey);
        app = await AdminApp.StartAsync(Configuration());
    }

    public async Task DisposeAsync()
    {
        await app.DisposeAsync();
        await keyServer.DisposeAsync();
        albKey.Dispose();
    }

    private Dictionary<string, string?> Configuration(Action<Dictionary<string, string?>>? change = null)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["AlbIdentity:SignerArn"] = Arn,
            ["AlbIdentity:KeyEndpoint"] = keyServer.BaseUrl,
            ["AlbIdentity:Issuer"] = Tokens.Issuer,
            ["AlbIdentity:ClientId"] = Tokens.ClientId,
            ["Admin:Emails:0"] = "admin@example.com",
            ["Admin:Emails:1"] = "second@example.com",
            ["Admin:Domains"] = "ops.example.org, @staff.example.net",
        };
        change?.Invoke(configuration);
        return configuration;
    }

    [Fact]
    public async Task Valid_padded_token_of_an_allowlisted_admin_is_accepted_and_claims_are_mapped()
    {
        var token = Tokens.Create(albKey, Kid, sub: "sub-42", email: "admin@example.com");
        Assert.Contains('=', token); // the ALB's wire format; this exact header verifies

        using var response = await app.GetWithTokenAsync(token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("sub-42", body.GetProperty("sub").GetString());
        Assert.Equal("admin@example.com", body.GetProperty("email").GetString());
    }

    [Fact]
    public async Task Valid_unpadded_token_is_accepted()
    {
        var token = Tokens.Create(albKey, Kid, padded: false);
        Assert.DoesNotContain('=', token);

        using var response = await app.GetWithTokenAsync(token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Missing_header_is_401_problem_details()
    {
        using var response = await app.GetWithTokenAsync(null);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Token_signed_with_another_key_is_refused()
    {
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        using var response = await app.GetWithTokenAsync(Tokens.Create(otherKey, Kid));

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Token_from_another_load_balancer_is_refused()
    {
        var token = Tokens.Create(albKey, Kid, signer: Arn.Replace("50dc6c495c0c9188", "ffffffffffffffff", StringComparison.Ordinal));

        using var response = await app.GetWithTokenAsync(token);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Expired_token_is_refused_but_one_within_the_clock_skew_is_accepted()
    {
        using var expired = await app.GetWithTokenAsync(Tokens.Create(albKey, Kid, expires: DateTimeOffset.UtcNow.AddSeconds(-120)));
        using var withinSkew = await app.GetWithTokenAsync(Tokens.Create(albKey, Kid, expires: DateTimeOffset.UtcNow.AddSeconds(-20)));

        await AssertProblemAsync(expired, HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, withinSkew.StatusCode);
    }

    [Fact]
    public async Task Configured_clock_skew_is_honoured()
    {
        await using var strict = await AdminApp.StartAsync(Configuration(c => c["AlbIdentity:ClockSkew"] = "0"));

        using var response = await strict.GetWithTokenAsync(Tokens.Create(albKey, Kid, expires: DateTimeOffset.UtcNow.AddSeconds(-20)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("HS256")]
    [InlineData("RS256")]
    [InlineData("ES384")]
    public async Task Algorithm_confusion_is_refused(string alg)
    {
        using var rsa = RSA.Create(2048);
        var pemAsSecret = System.Text.Encoding.ASCII.GetBytes(albKey.ExportSubjectPublicKeyInfoPem());
        var token = alg switch
        {
            "HS256" => Tokens.CreateWithAlg(alg, Kid, pemAsSecret),
            "RS256" => Tokens.CreateWithAlg(alg, Kid, null, rsa),
            _ => Tokens.CreateWithAlg(alg, Kid, null),
        };

        using var response = await app.GetWithTokenAsync(token);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Token_without_kid_is_refused()
    {
        using var response = await app.GetWithTokenAsync(Tokens.Create(albKey, kid: null));

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Unknown_kid_is_refused_and_not_fetched_again()
    {
        var token = Tokens.Create(albKey, "99999999-dead-beef-0000-000000000000");
        var before = keyServer.Requests;

        using var first = await app.GetWithTokenAsync(token);
        using var second = await app.GetWithTokenAsync(token);
        using var third = await app.GetWithTokenAsync(token);

        await AssertProblemAsync(first, HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.Unauthorized, third.StatusCode);
        Assert.Equal(1, keyServer.Requests - before);
    }

    [Fact]
    public async Task A_flood_of_distinct_unknown_kids_causes_a_bounded_number_of_fetches()
    {
        var before = keyServer.Requests;

        for (var i = 0; i < 40; i++)
        {
            using var response = await app.GetWithTokenAsync(Tokens.Create(albKey, $"unknown-{i}"));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        Assert.True(keyServer.Requests - before < 40, $"{keyServer.Requests - before} fetches for 40 unknown kids");
    }

    [Fact]
    public async Task Key_is_fetched_once_and_cached()
    {
        await using var fresh = await AdminApp.StartAsync(Configuration());
        var before = keyServer.Requests;

        for (var i = 0; i < 5; i++)
        {
            using var response = await fresh.GetWithTokenAsync(Tokens.Create(albKey, Kid));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(1, keyServer.Requests - before);
    }

    [Fact]
    public async Task Concurrent_first_requests_share_one_key_fetch()
    {
        await using var fresh = await AdminApp.StartAsync(Configuration());
        var before = keyServer.Requests;

        var responses = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => fresh.GetWithTokenAsync(Tokens.Create(albKey, Kid))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(1, keyServer.Requests - before);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task Non_P256_key_at_the_endpoint_is_not_trusted()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        keyServer.Publish("p384-key", p384);

        using var response = await app.GetWithTokenAsync(Tokens.Create(albKey, "p384-key"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Wrong_issuer_or_client_is_refused_when_configured()
    {
        using var wrongIssuer = await app.GetWithTokenAsync(Tokens.Create(albKey, Kid, issuer: "https://evil.example"));
        using var wrongClient = await app.GetWithTokenAsync(Tokens.Create(albKey, Kid, client: "other-client"));

        Assert.Equal(HttpStatusCode.Unauthorized, wrongIssuer.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongClient.StatusCode);
    }

    [Fact]
    public async Task Tampered_payload_is_refused()
    {
        var parts = Tokens.Create(albKey, Kid, email: "nobody@example.com").Split('.');
        var forged = Tokens.Create(albKey, Kid, email: "admin@example.com").Split('.')[1];

        using var response = await app.GetWithTokenAsync($"{parts[0]}.{forged}.{parts[2]}");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Valid_user_who_is_not_an_admin_gets_403_problem_details()
    {
        using var response = await app.GetWithTokenAsync(Tokens.Create(albKey, Kid, email: "someone@example.com"));

        await AssertProblemAsync(response, HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("dev@ops.example.org", HttpStatusCode.OK)]
    [InlineData("DEV@OPS.EXAMPLE.ORG", HttpStatusCode.OK)]
    [InlineData("x@staff.example.net", HttpStatusCode.OK)]
    [InlineData("second@example.com", HttpStatusCode.OK)]
    [InlineData("dev@evil-ops.example.org", HttpStatusCode.Forbidden)]
    [InlineData("dev@example.org", HttpStatusCode.Forbidden)]
    [InlineData("ops.example.org@evil.com", HttpStatusCode.Forbidden)]
    public async Task Admin_allowlist_matches_whole_addresses_and_whole_domains(string email, HttpStatusCode expected)
    {
        using var response = await app.GetWithTokenAsync(Tokens.Create(albKey, Kid, email: email));

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Not_configured_fails_closed_even_for_a_valid_token()
    {
        await using var unconfigured = await AdminApp.StartAsync(Configuration(c => c.Remove("AlbIdentity:SignerArn")));

        using var withToken = await unconfigured.GetWithTokenAsync(Tokens.Create(albKey, Kid));
        using var withoutToken = await unconfigured.GetWithTokenAsync(null);

        await AssertProblemAsync(withToken, HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.Unauthorized, withoutToken.StatusCode);
    }

    [Fact]
    public async Task Key_endpoint_that_is_down_refuses_with_401()
    {
        await using var downEndpoint = await AdminApp.StartAsync(Configuration(c => c["AlbIdentity:KeyEndpoint"] = "http://127.0.0.1:9/keys"));

        using var response = await downEndpoint.GetWithTokenAsync(Tokens.Create(albKey, Kid));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public void Admin_section_accepts_arrays_and_comma_separated_strings()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Admin:Emails"] = "a@example.com,b@example.com",
                ["Admin:Domains:0"] = "one.example",
                ["Admin:Domains:1"] = "@two.example",
            })
            .Build();

        var allowlist = AlbIdentityExtensions.ReadAllowlist(configuration.GetSection("Admin"));

        Assert.True(allowlist.Allows("b@example.com"));
        Assert.True(allowlist.Allows("x@two.example"));
        Assert.True(allowlist.Allows("x@one.example"));
        Assert.False(allowlist.Allows("c@example.com"));
        Assert.False(allowlist.Allows(null));
    }

    [Fact]
    public void Scheme_and_policy_names_are_the_documented_contract()
    {
        Assert.Equal("AlbIdentity", AlbIdentityDefaults.Scheme);
        Assert.Equal("admin", AlbIdentityDefaults.AdminPolicy);
        Assert.NotNull(app.Services.GetService<Microsoft.AspNetCore.Authorization.IAuthorizationPolicyProvider>());
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
    }
}
