using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Groundwork.LocalServers;

/// <summary>
/// The local data tier's TLS material, in <c>{root}/tls/</c>: a CA (the stand-in for the Amazon RDS / ElastiCache
/// chains) and one server certificate shared by both mariadbd and redis-server, valid for the names clients use
/// (127.0.0.1, localhost). The movable endpoints forward TCP, so a client connecting to an endpoint sees the server's
/// certificate and checks it against 127.0.0.1, the host it dialled.
///
/// Made with .NET's <see cref="CertificateRequest"/> rather than the openssl command: no child process nor dependence on
/// the openssl CLI's version and config, the files are written atomically, and tests issue wrong-host or foreign-CA
/// certificates in-process with the same code. RSA 2048 / SHA-256, as the RDS CA (rds-ca-rsa2048-g1), so the measured
/// handshake cost is the one AWS has.
/// </summary>
public sealed class DataTierCertificates
{
    /// <summary>The names every local client dials; a server certificate must cover them.</summary>
    public static readonly IReadOnlyList<string> ServerNames = ["127.0.0.1", "localhost", "::1"];

    private static readonly TimeSpan CaLifetime = TimeSpan.FromDays(3650);
    private static readonly TimeSpan ServerLifetime = TimeSpan.FromDays(365);
    // A server certificate closer than this to its end is replaced on the next start (as RDS rotates before expiry).
    private static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);
    private static readonly Lock FileLock = new();

    public DataTierCertificates(string directory) => Directory = directory;

    public string Directory { get; }

    /// <summary>The CA certificate (PEM): what clients trust (<c>SslCa=</c>, MASTER_SSL_CA, Redis's trusted issuer).</summary>
    public string CaFile => Path.Combine(Directory, "ca.pem");
    public string CaKeyFile => Path.Combine(Directory, "ca.key");
    /// <summary>The servers' certificate (PEM, leaf only) and key (PKCS#8 PEM, mode 0600).</summary>
    public string ServerCertificateFile => Path.Combine(Directory, "server.pem");
    public string ServerKeyFile => Path.Combine(Directory, "server.key");

    /// <summary>
    /// Creates the CA and the server certificate when missing, and a new server certificate when the present one is
    /// near its end, not issued by this CA, or does not cover <see cref="ServerNames"/>. Idempotent, cheap when all is in place.
    /// </summary>
    public void Ensure()
    {
        lock (FileLock)
        {
            System.IO.Directory.CreateDirectory(Directory);
            if (!File.Exists(CaFile) || !File.Exists(CaKeyFile))
            {
                var (caCert, caKey) = CreateCa("Groundwork local data tier CA");
                using (caKey) using (caCert)
                {
                    WriteAtomically(CaKeyFile, caKey.ExportPkcs8PrivateKeyPem(), secret: true);
                    WriteAtomically(CaFile, caCert.ExportCertificatePem(), secret: false);
                }
                File.Delete(ServerCertificateFile);
            }
            if (!ServerCertificateIsCurrent())
            {
                IssueServerCertificateCore(ServerNames);
            }
        }
    }

    /// <summary>
    /// A new server certificate and key from the same CA (a rotation), for <paramref name="names"/> (tests pass a wrong
    /// host name). The servers keep the old one until told to reload (<c>FLUSH NO_WRITE_TO_BINLOG SSL</c>, <c>CONFIG SET tls-cert-file</c>).
    /// </summary>
    public X509Certificate2 IssueServerCertificate(IReadOnlyList<string>? names = null)
    {
        lock (FileLock)
        {
            return IssueServerCertificateCore(names ?? ServerNames);
        }
    }

    /// <summary>A CA that has nothing to do with this tier: for tests of a client that trusts the wrong CA.</summary>
    public static void WriteForeignCa(string caFile)
    {
        var (cert, key) = CreateCa("Some other CA");
        using (key) using (cert)
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(caFile))!);
            WriteAtomically(caFile, cert.ExportCertificatePem(), secret: false);
        }
    }

    /// <summary>The server certificate now on disk.</summary>
    public X509Certificate2 LoadServerCertificate() => X509Certificate2.CreateFromPemFile(ServerCertificateFile);

    private bool ServerCertificateIsCurrent()
    {
        if (!File.Exists(ServerCertificateFile) || !File.Exists(ServerKeyFile)) return false;
        try
        {
            using var server = X509Certificate2.CreateFromPem(File.ReadAllText(ServerCertificateFile));
            using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(CaFile));
            if (server.NotAfter.ToUniversalTime() - DateTime.UtcNow < RenewBefore) return false;
            if (server.Issuer != ca.Subject) return false;
            var san = server.Extensions.OfType<X509SubjectAlternativeNameExtension>().SingleOrDefault();
            if (san is null) return false;
            var covered = san.EnumerateDnsNames().Concat(san.EnumerateIPAddresses().Select(ip => ip.ToString())).ToHashSet(StringComparer.OrdinalIgnoreCase);
            return ServerNames.All(covered.Contains) && server.PublicKey.GetRSAPublicKey() is not null;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private X509Certificate2 IssueServerCertificateCore(IReadOnlyList<string> names)
    {
        using var ca = X509Certificate2.CreateFromPemFile(CaFile, CaKeyFile);
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={names[0]}, O=Groundwork local data tier", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false)); // serverAuth
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            if (IPAddress.TryParse(name, out var ip)) san.AddIpAddress(ip);
            else san.AddDnsName(name);
        }
        request.CertificateExtensions.Add(san.Build());
        var now = DateTimeOffset.UtcNow;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // a positive serial number
        var certificate = request.Create(ca, now.AddMinutes(-5), now + ServerLifetime, serial);
        // Key first, certificate second: a server reloading between the two writes would pair a new key with the old
        // certificate and fail its reload; the other order would too, so the caller reloads only after both are written.
        WriteAtomically(ServerKeyFile, key.ExportPkcs8PrivateKeyPem(), secret: true);
        WriteAtomically(ServerCertificateFile, certificate.ExportCertificatePem(), secret: false);
        return certificate;
    }

    private static (X509Certificate2 Certificate, RSA Key) CreateCa(string name)
    {
        var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}, O=Groundwork", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return (request.CreateSelfSigned(now.AddMinutes(-5), now + CaLifetime), key);
    }

    private static void WriteAtomically(string path, string content, bool secret)
    {
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = secret ? UnixFileMode.UserRead | UnixFileMode.UserWrite : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
            writer.Write(content);
        File.Move(temporary, path, overwrite: true);
    }
}
