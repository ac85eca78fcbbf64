using Microsoft.AspNetCore.Authentication;

namespace Groundwork.ServiceDefaults.AlbIdentity;

/// <summary>What the app trusts about its load balancer (configuration section "AlbIdentity").</summary>
public sealed class AlbIdentityOptions : AuthenticationSchemeOptions
{
    /// <summary>The ARN of the ALB; the token's <c>signer</c> header must equal it.</summary>
    public string? SignerArn { get; set; }

    /// <summary>Base URL of the public keys, e.g. https://public-keys.auth.elb.eu-west-1.amazonaws.com; a key is at {KeyEndpoint}/{kid}.</summary>
    public string? KeyEndpoint { get; set; }

    /// <summary>When set, the token's <c>iss</c> must equal it (the IdP's issuer, e.g. the Cognito user pool).</summary>
    public string? Issuer { get; set; }

    /// <summary>When set, the token's <c>client</c> header must equal it (the IdP client id).</summary>
    public string? ClientId { get; set; }

    /// <summary>Tolerance for clock differences when checking <c>exp</c>.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>True when the app can verify tokens at all; otherwise every request is refused (fail closed).</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(SignerArn) && !string.IsNullOrWhiteSpace(KeyEndpoint);
}
