using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Groundwork.LocalServers;

/// <summary>
/// The whole data tier as child processes of this process: mariadbd primary, mariadbd replica (GTID replication),
/// redis-server. For integration tests, which also use it to inject faults (kill, restart, replication lag).
/// Disposing kills and reaps every server; the data directories stay (delete the root directory to discard them).
/// </summary>
public sealed class LocalDataTier : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    // One lock for all start/kill operations: fault injection from parallel tests must not interleave.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ServerProcess? _primary;
    private ServerProcess? _replica;
    private ServerProcess? _redis;

    private LocalDataTier(DataTierLayout layout)
    {
        Layout = layout;
        Setup = new DataTierSetup(layout);
    }

    public DataTierLayout Layout { get; }
    public DataTierSetup Setup { get; }

    /// <summary>How long <see cref="StartAsync"/> took, for reports.</summary>
    public TimeSpan StartUpTime { get; private set; }

    /// <summary>Initialises missing data directories (both in parallel), starts all three servers and sets up replication.</summary>
    public static async Task<LocalDataTier> StartAsync(DataTierLayout layout, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        var tier = new LocalDataTier(layout);
        try
        {
            await layout.PrepareAsync(ct).ConfigureAwait(false);
            await Task.WhenAll(
                tier.StartPrimaryCoreAsync(ct),
                tier.StartReplicaProcessAsync(ct),
                tier.StartRedisCoreAsync(ct)).ConfigureAwait(false);
            await tier.Setup.EnsureReplicationAsync(ct).ConfigureAwait(false);
            tier.StartUpTime = clock.Elapsed;
            return tier;
        }
        catch
        {
            await tier.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public Task KillPrimaryAsync() => Locked(async () => { await KillAsync(_primary).ConfigureAwait(false); _primary = null; });

    public Task KillReplicaAsync() => Locked(async () => { await KillAsync(_replica).ConfigureAwait(false); _replica = null; });

    public Task KillRedisAsync() => Locked(async () => { await KillAsync(_redis).ConfigureAwait(false); _redis = null; });

    /// <summary>Starts the primary and, if the replica runs, waits until the replica's IO thread has reconnected.</summary>
    public Task StartPrimaryAsync(CancellationToken ct = default) => Locked(async () =>
    {
        await StartPrimaryCoreAsync(ct).ConfigureAwait(false);
        if (_replica is not null)
            await Setup.EnsureReplicaFollowsPrimaryAsync(requireIoThread: true, ct).ConfigureAwait(false);
    });

    /// <summary>Starts the replica and waits until it accepts connections and replicates (IO thread connected if the primary runs).</summary>
    public Task StartReplicaAsync(CancellationToken ct = default) => Locked(async () =>
    {
        await StartReplicaProcessAsync(ct).ConfigureAwait(false);
        await Setup.EnsureReplicaFollowsPrimaryAsync(requireIoThread: _primary is not null, ct).ConfigureAwait(false);
    });

    public Task StartRedisAsync(CancellationToken ct = default) => Locked(() => StartRedisCoreAsync(ct));

    /// <summary>Stops applying replicated events: the replica falls behind while still accepting reads.</summary>
    public Task StopReplicaSqlThreadAsync() => OnReplicaAsRoot("STOP SLAVE SQL_THREAD");

    public Task StartReplicaSqlThreadAsync() => OnReplicaAsRoot("START SLAVE SQL_THREAD");

    /// <summary>Com_select of the replica since its start: grows when reads are served by it.</summary>
    public Task<long> ReplicaSelectCountAsync() => SelectCountAsync(Layout.Replica);

    public Task<long> PrimarySelectCountAsync() => SelectCountAsync(Layout.Primary);

    /// <summary>
    /// Makes the running servers serve the certificate now on disk (after <see cref="DataTierCertificates.IssueServerCertificate"/>),
    /// without a restart: <c>FLUSH NO_WRITE_TO_BINLOG SSL</c> on each mariadbd (a plain FLUSH is binlogged: on the
    /// replica it would be a GTID of the replica's own, and replication in GTID strict mode stops at the primary's next one), <c>CONFIG SET tls-cert-file/tls-key-file</c> on Redis. Open
    /// connections keep their session; new ones get the new certificate.
    /// </summary>
    public Task ReloadCertificatesAsync(CancellationToken ct = default) => Locked(async () =>
    {
        foreach (var server in new[] { Layout.Server(1), Layout.Server(2) })
        {
            await using var root = await server.OpenRootConnectionAsync(ct).ConfigureAwait(false);
            await DataTierSetup.ExecuteAsync(root, "FLUSH NO_WRITE_TO_BINLOG SSL", ct).ConfigureAwait(false);
        }
        var redis = Layout.Redis;
        // Both files in one CONFIG SET: Redis loads them together, so a key never meets the other certificate.
        var reply = await RedisPing.CommandAsync(redis,
            ["CONFIG", "SET", "tls-cert-file", redis.Certificates.ServerCertificateFile, "tls-key-file", redis.Certificates.ServerKeyFile], ct,
            anyHostName: true).ConfigureAwait(false);
        if (reply != "+OK") throw new InvalidOperationException($"Redis did not reload its certificate: {reply}");
    });

    public bool IsPrimaryRunning => _primary is { HasExited: false };
    public bool IsReplicaRunning => _replica is { HasExited: false };
    public bool IsRedisRunning => _redis is { HasExited: false };

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(KillAsync(_replica), KillAsync(_primary), KillAsync(_redis)).ConfigureAwait(false);
            _primary = _replica = _redis = null;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task StartPrimaryCoreAsync(CancellationToken ct) =>
        _primary ??= await StartMariaDbAsync(Layout.Primary, ct).ConfigureAwait(false);

    private async Task StartReplicaProcessAsync(CancellationToken ct) =>
        _replica ??= await StartMariaDbAsync(Layout.Replica, ct).ConfigureAwait(false);

    private static async Task<ServerProcess> StartMariaDbAsync(MariaDbInstance instance, CancellationToken ct)
    {
        instance.WriteConfig();
        await instance.InitializeAsync(ct).ConfigureAwait(false);
        await StaleServer.StopAsync(instance.PidFile, instance.DefaultsFile).ConfigureAwait(false);
        var process = ServerProcess.Start(instance.ToString(), instance.ServerExecutable, instance.ServerArguments, instance.InstanceDirectory);
        try
        {
            await WaitUntilAsync(process, instance.ToString(), instance.IsAcceptingConnectionsAsync, () => instance.ReadErrorLogTail(), ct).ConfigureAwait(false);
            return process;
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task StartRedisCoreAsync(CancellationToken ct)
    {
        if (_redis is not null) return;
        var redis = Layout.Redis;
        redis.WriteConfig();
        // The marker is "--dir <directory>": unique to this tier, unlike the port which a new layout may reuse.
        await StaleServer.StopAsync(redis.PidFile, redis.WorkingDirectory).ConfigureAwait(false);
        var process = ServerProcess.Start(
            "redis-server",
            redis.ServerExecutable,
            [.. redis.ServerArguments, "--logfile", redis.LogFile, "--pidfile", redis.PidFile],
            redis.WorkingDirectory);
        try
        {
            await WaitUntilAsync(process, "redis-server", c => RedisPing.IsPongAsync(redis, c), () => TailOf(redis.LogFile), ct).ConfigureAwait(false);
            _redis = process;
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task WaitUntilAsync(
        ServerProcess process, string name, Func<CancellationToken, Task<bool>> isReady, Func<string> logTail, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (!await isReady(ct).ConfigureAwait(false))
        {
            if (process.HasExited)
                throw new InvalidOperationException($"{name} exited during start-up. Log:\n{logTail()}");
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{name} did not accept connections within {StartTimeout}. Log:\n{logTail()}");
            await Task.Delay(PollInterval, ct).ConfigureAwait(false);
        }
    }

    private static async Task KillAsync(ServerProcess? process)
    {
        if (process is not null) await process.DisposeAsync().ConfigureAwait(false);
    }

    private async Task OnReplicaAsRoot(string sql)
    {
        await using var root = await Layout.Replica.OpenRootConnectionAsync(CancellationToken.None).ConfigureAwait(false);
        await DataTierSetup.ExecuteAsync(root, sql, CancellationToken.None).ConfigureAwait(false);
    }

    private static async Task<long> SelectCountAsync(MariaDbInstance instance)
    {
        await using var root = await instance.OpenRootConnectionAsync(CancellationToken.None).ConfigureAwait(false);
        var value = await DataTierSetup.ReadGlobalAsync(root, "SHOW GLOBAL STATUS", "Com_select", CancellationToken.None).ConfigureAwait(false);
        return long.Parse(value ?? "0", System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task Locked(Func<Task> action)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await action().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static string TailOf(string file)
    {
        if (!File.Exists(file)) return "(no log)";
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return string.Join('\n', reader.ReadToEnd().Split('\n').TakeLast(30));
    }
}

/// <summary>
/// Redis commands over TLS (RESP), the server's certificate checked against the tier's CA and 127.0.0.1, after AUTH:
/// enough to know redis-server serves clients as the app reaches it, and to reconfigure it, with no client package.
/// </summary>
public static class RedisPing
{
    public static async Task<bool> IsPongAsync(RedisInstance redis, CancellationToken ct) =>
        await ProbeAsync(redis, ct).ConfigureAwait(false) is null;

    /// <summary>Null when the server answered PONG; otherwise why not (for health-check messages).</summary>
    public static async Task<string?> ProbeAsync(RedisInstance redis, CancellationToken ct)
    {
        try
        {
            var reply = await CommandAsync(redis, ["PING"], ct).ConfigureAwait(false);
            return reply == "+PONG" ? null : $"no PONG: {reply}";
        }
        catch (AuthenticationException e)
        {
            return $"TLS handshake failed: {e.Message}";
        }
        catch (InvalidOperationException e)
        {
            return e.Message;
        }
        catch (SocketException e)
        {
            return e.Message;
        }
        catch (IOException e)
        {
            return e.Message;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return "no answer within 2 s";
        }
    }

    /// <summary>
    /// AUTH, then <paramref name="command"/>; returns the command's reply line (<c>+OK</c>, <c>-ERR …</c>). Throws when
    /// the TLS handshake or AUTH fails. <paramref name="served"/> receives the certificate the server presented.
    /// </summary>
    /// <paramref name="anyHostName"/>: still the tier's CA, but any name (an operator replacing a wrong certificate).
    public static async Task<string> CommandAsync(
        RedisInstance redis, IReadOnlyList<string> command, CancellationToken ct, Action<X509Certificate2>? served = null, bool anyHostName = false)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", redis.Port, timeout.Token).ConfigureAwait(false);
        await using var tls = new SslStream(client.GetStream());
        using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(redis.Certificates.CaFile));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                CustomTrustStore = { ca },
                RevocationMode = X509RevocationMode.NoCheck,
            },
            RemoteCertificateValidationCallback = anyHostName
                ? (_, _, _, errors) => (errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) == SslPolicyErrors.None
                : null,
        }, timeout.Token).ConfigureAwait(false);
        if (served is not null && tls.RemoteCertificate is { } remote)
            served(X509CertificateLoader.LoadCertificate(remote.GetRawCertData()));
        await tls.WriteAsync(Resp(["AUTH", redis.Password]).Concat(Resp(command)).ToArray(), timeout.Token).ConfigureAwait(false);
        var lines = await ReadLinesAsync(tls, 2, timeout.Token).ConfigureAwait(false);
        if (lines.Count < 1 || lines[0] != "+OK")
            throw new InvalidOperationException($"AUTH refused: {(lines.Count > 0 ? lines[0] : "connection closed")}");
        return lines.Count > 1 ? lines[1] : "(connection closed)";
    }

    private static byte[] Resp(IReadOnlyList<string> parts)
    {
        var text = new StringBuilder().Append('*').Append(parts.Count).Append("\r\n");
        foreach (var part in parts)
            text.Append('$').Append(Encoding.UTF8.GetByteCount(part)).Append("\r\n").Append(part).Append("\r\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    // Simple and error replies only (one line each): what AUTH, PING and CONFIG SET answer.
    private static async Task<List<string>> ReadLinesAsync(Stream stream, int count, CancellationToken ct)
    {
        var text = new StringBuilder();
        var buffer = new byte[512];
        while (text.ToString().Split("\r\n").Length <= count)
        {
            var read = await stream.ReadAsync(buffer, ct).ConfigureAwait(false);
            if (read == 0) break;
            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }
        return text.ToString().Split("\r\n").Where(l => l.Length > 0).Take(count).ToList();
    }
}
