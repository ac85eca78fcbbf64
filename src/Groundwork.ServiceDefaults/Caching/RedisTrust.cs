using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Groundwork.ServiceDefaults.Caching;

/// <summary>
/// How the app checks Redis's TLS certificate, and what it last refused. In AWS the ElastiCache certificate chains to a
/// public root and <c>Cache:RedisCaFile</c> is unset: the machine's trust store decides. Locally the key names the
/// data tier's CA file, the only other root trusted. Either way the host name must match (a name mismatch is never
/// excused), and a refusal is logged with its reason and turns readiness red: a wrong certificate or password is a
/// configuration fault that does not heal by waiting, unlike Redis being down (then the app serves without it).
/// </summary>
public sealed class RedisTrust
{
    private readonly X509Certificate2? _ca;
    private readonly string? _caFile;
    private readonly ILogger _log;
    private volatile string? _refusal;

    public RedisTrust(string? caFile, ILogger log)
    {
        _log = log;
        if (!string.IsNullOrWhiteSpace(caFile))
        {
            _caFile = caFile;
            // Read once at start-up: a missing or unreadable CA file fails the start, with the path in the message.
            _ca = X509Certificate2.CreateFromPem(File.ReadAllText(caFile));
        }
    }

    /// <summary>Why the last connection attempt was refused (certificate or AUTH); null once a connection succeeds.</summary>
    public string? Refusal => _refusal;

    /// <summary>Sets the validation callback and follows the multiplexer's failures and restorations.</summary>
    public void Apply(ConfigurationOptions options) => options.CertificateValidation += Validate;

    public void Observe(IConnectionMultiplexer multiplexer)
    {
        multiplexer.ConnectionFailed += (_, e) =>
        {
            if (e.FailureType != ConnectionFailureType.AuthenticationFailure) return;
            var reason = _refusal ?? $"authentication failed: {e.Exception?.Message}";
            _refusal = reason;
            _log.LogError("Redis {Endpoint} refused: {Reason}", e.EndPoint, reason);
        };
        multiplexer.ConnectionRestored += (_, _) => _refusal = null;
    }

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None) return true;
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
            return Refuse("the server presented no TLS certificate");
        var presented = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            return Refuse($"its TLS certificate ({presented.Subject}, {SubjectAlternativeNames(presented)}) is not valid for the host name the app connected to");
        if (_ca is null)
            return Refuse($"its TLS certificate ({presented.Subject}, issued by {presented.Issuer}) does not chain to a trusted root");
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.Add(_ca);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (custom.Build(presented))
        {
            _refusal = null;
            return true;
        }
        var statuses = string.Join(", ", custom.ChainStatus.Select(s => s.Status));
        return Refuse($"its TLS certificate ({presented.Subject}, issued by {presented.Issuer}) is not issued by the CA in {_caFile} ({statuses})");
    }

    private bool Refuse(string reason)
    {
        _refusal = reason;
        _log.LogError("Redis TLS certificate refused: {Reason}", reason);
        return false;
    }

    private static string SubjectAlternativeNames(X509Certificate2 certificate)
    {
        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        return san is null
            ? "no subject alternative names"
            : "names " + string.Join(", ", san.EnumerateDnsNames().Concat(san.EnumerateIPAddresses().Select(ip => ip.ToString())));
    }
}
