namespace Groundwork.ServiceDefaults.AlbIdentity;

/// <summary>Names of the ALB identity scheme and the admin policy, as the app wires them.</summary>
public static class AlbIdentityDefaults
{
    /// <summary>The authentication scheme that reads the ALB's <c>x-amzn-oidc-data</c> header.</summary>
    public const string Scheme = "AlbIdentity";

    /// <summary>The authorization policy for admin endpoints (authenticated and on the admin allowlist).</summary>
    public const string AdminPolicy = "admin";

    /// <summary>The header in which the ALB forwards the signed user claims.</summary>
    public const string DataHeader = "x-amzn-oidc-data";

    /// <summary>The named HttpClient used to fetch the ALB's public keys.</summary>
    public const string KeyClientName = "AlbIdentity.Keys";
}
