namespace Groundwork.Edge;

/// <summary>Configuration of the local edge (section "Edge"; environment variables like Edge__Targets__api-1=http://...).</summary>
public sealed class EdgeOptions
{
    public const string Section = "Edge";

    /// <summary>The port on 127.0.0.1; GROUNDWORK_EDGE_PORT overrides it; 0 picks a free port (tests).</summary>
    public int Port { get; set; } = 8080;

    /// <summary>The app target group at start-up: name → base URL. The registration API changes it at run time.</summary>
    public Dictionary<string, string> Targets { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The static web app's build output (web/dist); missing or empty → a built-in placeholder page.</summary>
    public string? StaticRoot { get; set; }

    /// <summary>The shared routing rules; default: config/routing.json found upward from the content root.</summary>
    public string? RoutingFile { get; set; }

    /// <summary>The ARN the edge signs identity tokens as (the app's AlbIdentity:SignerArn).</summary>
    public string AlbArn { get; set; } = "arn:aws:elasticloadbalancing:local:000000000000:loadbalancer/app/groundwork-local/0123456789abcdef";

    public string Region { get; set; } = "local";

    /// <summary>The identity provider's issuer as the ALB reports it (Cognito user pool URL in AWS).</summary>
    public string Issuer { get; set; } = "https://cognito-idp.local.amazonaws.com/local_groundwork";

    /// <summary>The identity provider's client id as the ALB reports it.</summary>
    public string ClientId { get; set; } = "groundwork-local";

    /// <summary>Lifetime of each signed identity token (the ALB issues a fresh one per request).</summary>
    public TimeSpan IdentityTokenLifetime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Active health check interval on /health/ready.</summary>
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a deregistered target may finish in-flight requests (ALB deregistration delay).</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a signed-in admin session lasts (the ALB session cookie).</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>A real OpenID Connect provider (e.g. Google) instead of the local sign-in form, when fully configured.</summary>
    public EdgeOidcOptions Oidc { get; set; } = new();
}

/// <summary>Edge:Oidc — Authority (e.g. https://accounts.google.com), ClientId, ClientSecret (never in the repo).</summary>
public sealed class EdgeOidcOptions
{
    public string? Authority { get; set; }

    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    public bool IsConfigured =>
        !string.IsNullOrWhiteSpace(Authority) && !string.IsNullOrWhiteSpace(ClientId) && !string.IsNullOrWhiteSpace(ClientSecret);
}
