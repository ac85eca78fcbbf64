using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Groundwork.ServiceDefaults.Caching;
using MySqlConnector;

namespace Groundwork.ServiceDefaults.Data;

/// <summary>
/// MySqlConnector reports a refused server certificate as "SSL Authentication Error", without saying what was wrong.
/// After such a failure this looks at the certificate the server presents (one extra connection that stops after the
/// TLS handshake, no login) and says why, in the terms of <see cref="TlsCertificateCheck"/>: the host name, the issuer,
/// the CA file expected. Used by the readiness check, so the log of an instance that cannot start says why.
/// </summary>
internal static class DatabaseTlsDiagnosis
{
    public static bool IsTlsFailure(Exception e) =>
        e is MySqlException && (e.InnerException is AuthenticationException || e.Message.Contains("SSL", StringComparison.Ordinal));

    /// <summary>The reason the server's certificate is refused under the connection string's own settings; null if it is not.</summary>
    public static async Task<string?> ExplainAsync(string connectionString, CancellationToken ct)
    {
        var csb = new MySqlConnectionStringBuilder(connectionString);
        if (csb.SslMode is not (MySqlSslMode.VerifyCA or MySqlSslMode.VerifyFull)) return null;
        var caFile = string.IsNullOrEmpty(csb.SslCa) ? null : csb.SslCa;
        using var ca = caFile is null ? null : X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(caFile, ct));
        var probe = new MySqlConnectionStringBuilder
        {
            Server = csb.Server,
            Port = csb.Port,
            // Required + a callback: MySqlConnector hands the certificate and .NET's verdict (host name included) to us.
            SslMode = MySqlSslMode.Required,
            Pooling = false,
            ConnectionTimeout = 2,
        };
        string? reason = null;
        await using var connection = new MySqlConnection(probe.ConnectionString)
        {
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (csb.SslMode == MySqlSslMode.VerifyCA) errors &= ~System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch;
                reason = TlsCertificateCheck.Explain(certificate, errors, ca, caFile);
                // Never log in: the handshake told us what we wanted.
                return false;
            },
        };
        try
        {
            await connection.OpenAsync(ct);
        }
        catch (MySqlException)
        {
        }
        catch (AuthenticationException)
        {
        }
        return reason;
    }
}
