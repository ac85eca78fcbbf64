using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Groundwork.ServiceDefaults.Caching;

/// <summary>
/// Why a server's TLS certificate is not acceptable, in words an operator can act on (which names it has, who issued
/// it, which CA file was expected). Shared by the Redis validation and the database's start-up diagnosis.
/// </summary>
public static class TlsCertificateCheck
{
    /// <summary>
    /// Null when the certificate is acceptable: no errors, or only a chain error and it chains to <paramref name="ca"/>
    /// (the local tier's CA). A host-name mismatch is never acceptable.
    /// </summary>
    public static string? Explain(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2? ca, string? caFile)
    {
        if (errors == SslPolicyErrors.None) return null;
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
            return "the server presented no TLS certificate";
        var presented = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            return $"its TLS certificate ({presented.Subject}, {SubjectAlternativeNames(presented)}) is not valid for the host name the app connected to (RemoteCertificateNameMismatch)";
        if (ca is null)
            return $"its TLS certificate ({presented.Subject}, issued by {presented.Issuer}) does not chain to a trusted root";
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.Add(ca);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (custom.Build(presented)) return null;
        var statuses = string.Join(", ", custom.ChainStatus.Select(s => s.Status));
        return $"its TLS certificate ({presented.Subject}, issued by {presented.Issuer}) is not issued by the CA in {caFile} ({statuses})";
    }

    private static string SubjectAlternativeNames(X509Certificate2 certificate)
    {
        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        return san is null
            ? "no subject alternative names"
            : "names " + string.Join(", ", san.EnumerateDnsNames().Concat(san.EnumerateIPAddresses().Select(ip => ip.ToString())));
    }
}
