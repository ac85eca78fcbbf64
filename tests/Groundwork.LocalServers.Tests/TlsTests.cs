using System.Net.Sockets;
using CliWrap;
using CliWrap.Buffered;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Groundwork.LocalServers;
using MySqlConnector;

namespace Groundwork.LocalServers.Tests;

/// <summary>
/// The tier speaks TLS with authentication as RDS and ElastiCache do: plain text is refused everywhere, clients verify
/// the certificate and the host name, and a certificate rotation reaches new connections without a restart. Its own
/// tier: these tests replace the servers' certificate.
/// </summary>
public sealed class TlsTests(TierFixture fixture) : IClassFixture<TierFixture>
{
    private LocalDataTier Tier => fixture.Tier;
    private DataTierSetup Setup => fixture.Tier.Setup;

    [Fact]
    public async Task Clients_connect_with_VerifyFull_and_the_session_is_encrypted()
    {
        var csb = new MySqlConnectionStringBuilder(Setup.PrimaryConnectionString);
        Assert.Equal(MySqlSslMode.VerifyFull, csb.SslMode);
        Assert.Equal(Tier.Layout.Certificates.CaFile, csb.SslCa);
        foreach (var connectionString in new[] { Setup.PrimaryConnectionString, Setup.ReplicaConnectionString })
        {
            await using var connection = new MySqlConnection(connectionString);
            await connection.OpenAsync();
            Assert.StartsWith("TLS", await SessionStatusAsync(connection, "Ssl_version"));
        }
    }

    [Fact]
    public async Task A_plain_text_connection_to_the_primary_or_the_replica_is_refused()
    {
        foreach (var port in new[] { Tier.Layout.Primary.Port, Tier.Layout.Replica.Port })
        {
            // The same user, password and port: only the transport differs. MariaDB 10.11 answers a plain-text login
            // under require_secure_transport with "Access denied" (1045), like a wrong password.
            var tls = new MySqlConnectionStringBuilder(Setup.AdminConnectionString(port)) { Pooling = false };
            var plain = new MySqlConnectionStringBuilder(tls.ConnectionString) { SslMode = MySqlSslMode.None };
            await using (var connection = new MySqlConnection(plain.ConnectionString))
            {
                var refused = await Assert.ThrowsAsync<MySqlException>(() => connection.OpenAsync());
                Assert.True(refused.ErrorCode == MySqlErrorCode.AccessDenied || refused.Message.Contains("insecure transport", StringComparison.OrdinalIgnoreCase), refused.Message);
            }
            await using (var connection = new MySqlConnection(tls.ConnectionString))
            {
                await connection.OpenAsync();
            }
        }
    }

    [Fact]
    public async Task Redis_has_no_plain_text_listener_and_requires_the_password()
    {
        // Plain text to the TLS port: the server answers nothing a RESP client can use, and closes.
        using (var client = new TcpClient())
        {
            await client.ConnectAsync("127.0.0.1", Tier.Layout.Redis.Port);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"AUTH {Tier.Layout.Redis.Password}\r\nPING\r\n"));
            var buffer = new byte[256];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            int read;
            try
            {
                read = await stream.ReadAsync(buffer, timeout.Token);
            }
            catch (IOException)
            {
                read = 0; // reset by the server
            }
            Assert.DoesNotContain("PONG", Encoding.ASCII.GetString(buffer, 0, read));
        }

        // TLS but a wrong password: refused.
        var wrong = new RedisPasswordOverride(Tier.Layout);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => wrong.PingAsync());
        Assert.Contains("AUTH refused", error.Message);

        // TLS and the password: served.
        Assert.True(await RedisPing.IsPongAsync(Tier.Layout.Redis, default));
    }

    [Fact]
    public async Task Replication_runs_over_TLS_with_the_primary_certificate_verified()
    {
        await using var root = await Tier.Layout.Replica.OpenRootConnectionAsync(default);
        var status = await ReplicaThreadStatus.ReadAsync(root, default);
        Assert.NotNull(status);
        Assert.Equal("Yes", status.SslAllowed);
        Assert.Equal("Yes", status.SslVerifyServerCert);
        Assert.Equal(Tier.Layout.Certificates.CaFile, status.SslCa);
        Assert.True(status.IoThreadRunning, status.LastIoError);
    }

    [Fact]
    public async Task A_client_trusting_another_CA_is_refused_with_a_certificate_error()
    {
        var foreignCa = Path.Combine(fixture.RootDirectory, "foreign-ca.pem");
        DataTierCertificates.WriteForeignCa(foreignCa);
        var csb = new MySqlConnectionStringBuilder(Setup.PrimaryConnectionString) { SslCa = foreignCa, Pooling = false };
        await using var connection = new MySqlConnection(csb.ConnectionString);
        var refused = await Assert.ThrowsAsync<MySqlException>(() => connection.OpenAsync());
        Assert.Contains("certificate", refused.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_rotated_certificate_reaches_new_connections_without_a_restart_and_a_wrong_host_name_is_refused()
    {
        var before = await ServedByPrimaryAsync();
        var redisBefore = await ServedByRedisAsync();
        Assert.Equal(before.SerialNumber, redisBefore.SerialNumber);

        var binlogBefore = await BinlogPositionsAsync();

        // Open before the rotation: stays usable (its session was negotiated already).
        await using var open = new MySqlConnection(Setup.PrimaryConnectionString);
        await open.OpenAsync();

        try
        {
            // 1. A certificate for another host name, same CA: VerifyFull refuses it (and so would the app).
            using (Tier.Layout.Certificates.IssueServerCertificate(["db.wrong.example"]))
                await Tier.ReloadCertificatesAsync();
            await using (var wrong = new MySqlConnection(new MySqlConnectionStringBuilder(Setup.PrimaryConnectionString) { Pooling = false }.ConnectionString))
            {
                var refused = await Assert.ThrowsAsync<MySqlException>(() => wrong.OpenAsync());
                Assert.Contains("certificate", refused.ToString(), StringComparison.OrdinalIgnoreCase);
            }
            Assert.Contains("RemoteCertificateNameMismatch", await RedisPing.ProbeAsync(Tier.Layout.Redis, default) ?? "");
        }
        finally
        {
            // 2. A correct new certificate (the rotation): new connections get it, no server restarted.
            using (Tier.Layout.Certificates.IssueServerCertificate())
                await Tier.ReloadCertificatesAsync();
        }

        // A reload writes nothing to either binary log: a FLUSH the replica logged would be a transaction of its own,
        // and replication (GTID strict mode) would stop at the primary's next one (a CI run saw exactly that).
        Assert.Equal(binlogBefore, await BinlogPositionsAsync());

        var after = await ServedByPrimaryAsync();
        Assert.NotEqual(before.SerialNumber, after.SerialNumber);
        Assert.Equal(before.Issuer, after.Issuer);
        Assert.Equal(after.SerialNumber, (await ServedByReplicaAsync()).SerialNumber);
        Assert.Equal(after.SerialNumber, (await ServedByRedisAsync()).SerialNumber);
        Assert.True(Tier.IsPrimaryRunning && Tier.IsReplicaRunning && Tier.IsRedisRunning);

        await using (var verified = new MySqlConnection(new MySqlConnectionStringBuilder(Setup.PrimaryConnectionString) { Pooling = false }.ConnectionString))
        {
            await verified.OpenAsync();
        }
        Assert.True(await RedisPing.IsPongAsync(Tier.Layout.Redis, default));
        Assert.StartsWith("TLS", await SessionStatusAsync(open, "Ssl_version"));

        // Replication reconnects over TLS with the new certificate (a new IO-thread connection verifies it).
        await using (var root = await Tier.Layout.Replica.OpenRootConnectionAsync(default))
        {
            await new MySqlCommand("STOP SLAVE IO_THREAD", root).ExecuteNonQueryAsync();
            await new MySqlCommand("START SLAVE IO_THREAD", root).ExecuteNonQueryAsync();
        }
        await Setup.EnsureReplicaFollowsPrimaryAsync(requireIoThread: true, default);
    }

    [Fact]
    public async Task The_command_line_clients_connect_as_operations_md_says_and_not_without_TLS()
    {
        var ca = Tier.Layout.Certificates.CaFile;
        var port = Tier.Layout.Primary.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var mariadb = Cli.Wrap("mariadb")
            .WithEnvironmentVariables(e => e.Set("MYSQL_PWD", Setup.Credentials.AdminPassword))
            .WithValidation(CommandResultValidation.None);
        // --no-defaults: /etc/mysql would otherwise add its own settings (platform notes).
        var verified = await mariadb.WithArguments(["--no-defaults", "-h", "127.0.0.1", "-P", port, $"--ssl-ca={ca}", "--ssl-verify-server-cert",
            "-u", DataTierSetup.AdminUser, "-N", "-e", "SHOW SESSION STATUS LIKE 'Ssl_version'"]).ExecuteBufferedAsync();
        Assert.True(verified.ExitCode == 0, verified.StandardError);
        Assert.Contains("TLS", verified.StandardOutput);
        var plain = await mariadb.WithArguments(["--no-defaults", "-h", "127.0.0.1", "-P", port, "--skip-ssl",
            "-u", DataTierSetup.AdminUser, "-N", "-e", "SELECT 1"]).ExecuteBufferedAsync();
        Assert.NotEqual(0, plain.ExitCode);

        var redisPort = Tier.Layout.Redis.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var redisCli = Cli.Wrap("redis-cli")
            .WithEnvironmentVariables(e => e.Set("REDISCLI_AUTH", Tier.Layout.Redis.Password))
            .WithValidation(CommandResultValidation.None);
        var pong = await redisCli.WithArguments(["--tls", "--cacert", ca, "-h", "127.0.0.1", "-p", redisPort, "PING"]).ExecuteBufferedAsync();
        Assert.True(pong.ExitCode == 0 && pong.StandardOutput.Trim() == "PONG", pong.StandardOutput + pong.StandardError);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var noTls = await redisCli.WithArguments(["-h", "127.0.0.1", "-p", redisPort, "PING"]).ExecuteBufferedAsync(timeout.Token);
        Assert.NotEqual("PONG", noTls.StandardOutput.Trim());
    }

    private Task<X509Certificate2> ServedByPrimaryAsync() => ServedByAsync(Tier.Layout.Primary.Port);

    private Task<X509Certificate2> ServedByReplicaAsync() => ServedByAsync(Tier.Layout.Replica.Port);

    /// <summary>The certificate a new connection is served (captured; the check itself is VerifyFull's, elsewhere).</summary>
    private async Task<X509Certificate2> ServedByAsync(int port)
    {
        X509Certificate2? served = null;
        var csb = new MySqlConnectionStringBuilder(Setup.AdminConnectionString(port)) { SslMode = MySqlSslMode.Required, SslCa = "", Pooling = false };
        await using var connection = new MySqlConnection(csb.ConnectionString)
        {
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                served = X509CertificateLoader.LoadCertificate(certificate!.GetRawCertData());
                return true;
            },
        };
        await connection.OpenAsync();
        return served ?? throw new InvalidOperationException("no certificate served");
    }

    private async Task<X509Certificate2> ServedByRedisAsync()
    {
        X509Certificate2? served = null;
        Assert.Equal("+PONG", await RedisPing.CommandAsync(Tier.Layout.Redis, ["PING"], default, c => served = c));
        return served!;
    }

    private async Task<(string Primary, string Replica)> BinlogPositionsAsync()
    {
        async Task<string> PositionAsync(MariaDbInstance server)
        {
            await using var root = await server.OpenRootConnectionAsync(default);
            return Convert.ToString(await new MySqlCommand("SELECT @@gtid_binlog_pos", root).ExecuteScalarAsync()) ?? "";
        }
        return (await PositionAsync(Tier.Layout.Primary), await PositionAsync(Tier.Layout.Replica));
    }

    private static async Task<string> SessionStatusAsync(MySqlConnection connection, string name)
    {
        await using var command = new MySqlCommand($"SHOW SESSION STATUS LIKE '{name}'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? reader.GetString(1) : "";
    }

    /// <summary>The tier's Redis with a wrong password: a copy of the credentials file with another Redis password.</summary>
    private sealed class RedisPasswordOverride(DataTierLayout layout)
    {
        public async Task PingAsync()
        {
            var root = Path.Combine(Path.GetTempPath(), "gw-" + Guid.NewGuid().ToString("N")[..10]);
            try
            {
                var copy = new DataTierLayout(root, layout.PrimaryPort, layout.ReplicaPort, layout.RedisPort);
                Directory.CreateDirectory(Path.Combine(root, "tls"));
                File.Copy(layout.Certificates.CaFile, copy.Certificates.CaFile);
                // A fresh credentials file: a new, different Redis password.
                await RedisPing.CommandAsync(copy.Redis, ["PING"], default);
            }
            finally
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }
}
