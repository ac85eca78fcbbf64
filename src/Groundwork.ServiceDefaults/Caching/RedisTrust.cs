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
        var reason = TlsCertificateCheck.Explain(certificate, errors, _ca, _caFile);
        return reason is null || Refuse(reason);
    }

    private bool Refuse(string reason)
    {
        _refusal = reason;
        _log.LogError("Redis TLS certificate refused: {Reason}", reason);
        return false;
    }
}
