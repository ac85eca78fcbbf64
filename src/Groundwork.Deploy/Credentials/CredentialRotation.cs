using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Groundwork.Deploy.Cli;
using Groundwork.Deploy.Environments;
using Groundwork.SecretsManager;
using MySqlConnector;

namespace Groundwork.Deploy.Credentials;

/// <summary>Which database user a rotation is for, and the secret that holds it.</summary>
internal sealed record RotationTarget(DeployEnvironment Environment, string User)
{
    public static readonly string[] Users = ["app", "analytics"];

    /// <summary>The secret names of the credentials design: groundwork/&lt;env&gt;/db/app and …/db/analytics-readonly.</summary>
    public string SecretId => User == "analytics" ? $"groundwork/{Environment.Name}/db/analytics-readonly" : $"groundwork/{Environment.Name}/db/app";
}

/// <summary>
/// A database endpoint: host and port (RDS endpoints are host names; the local ones 127.0.0.1 and a port), and the CA
/// file its certificate must chain to (the local tier's CA; null: the machine's trust store).
/// </summary>
internal sealed record DatabaseEndpoint(string Host, uint Port, string? CaFile = null)
{
    public static DatabaseEndpoint Parse(string value, string what)
    {
        var text = value.Trim();
        var colon = text.LastIndexOf(':');
        if (colon > 0 && uint.TryParse(text[(colon + 1)..], out var port))
        {
            return new DatabaseEndpoint(text[..colon], port);
        }
        return text.Length > 0 && !text.Contains(' ') ? new DatabaseEndpoint(text, 3306) : throw new DeployException($"{what} '{value}' is not host[:port].");
    }

    public static DatabaseEndpoint FromConnectionString(string connectionString)
    {
        var csb = new MySqlConnectionStringBuilder(connectionString);
        return new DatabaseEndpoint(csb.Server, csb.Port, string.IsNullOrEmpty(csb.SslCa) ? null : csb.SslCa);
    }

    public override string ToString() => $"{Host}:{Port}";
}

/// <summary>What a finished rotation did (printed, and returned for tests).</summary>
internal sealed record RotationResult(string SecretId, string Username, string OldVersionId, string NewVersionId, TimeSpan Elapsed, TimeSpan ReplicaWait);

/// <summary>
/// Secrets Manager's single-user rotation, performed by the deploy tool instead of a Lambda (whose runtime would retire):
/// <list type="number">
/// <item>createSecret — a new version with a generated password is stored as AWSPENDING (an AWSPENDING left by an
/// interrupted run is resumed instead);</item>
/// <item>setSecret — the user changes its own password on the primary (<c>SET PASSWORD</c>, connected as itself: no
/// master user involved); the change replicates, and the replica is waited for with <c>MASTER_GTID_WAIT</c>;</item>
/// <item>testSecret — the new password opens new connections on the primary and on the replica;</item>
/// <item>finishSecret — AWSCURRENT moves to the new version (the old one becomes AWSPREVIOUS) and AWSPENDING is removed;</item>
/// </list>
/// then it checks that the old password is refused (error 1045) on both servers. App servers notice through their
/// credential provider: a refused password is re-read (AWSPENDING while the rotation is between setSecret and
/// finishSecret), and until then their pooled connections stay valid — a password change does not end sessions.
/// </summary>
internal sealed class CredentialRotation(SecretsManagerClient secrets, DatabaseEndpoint primary, DatabaseEndpoint replica, Action<string> say)
{
    public const string Current = "AWSCURRENT";
    public const string Pending = "AWSPENDING";

    private static readonly TimeSpan ReplicaWait = TimeSpan.FromSeconds(30);

    /// <summary>The four steps of Secrets Manager's single-user rotation, then a check that the old password is refused.</summary>
    public async Task<RotationResult> RotateAsync(string secretId, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var current = await ReadAsync(secretId, Current, null, ct);
        var pending = await CreateSecretAsync(secretId, current, ct);
        var replicaWait = await SetSecretAsync(current, pending, ct);
        await TestSecretAsync(pending, ct);
        await FinishSecretAsync(secretId, current, pending, ct);
        await CheckOldPasswordRefusedAsync(current, ct);
        return new RotationResult(secretId, current.Username, current.VersionId, pending.VersionId, clock.Elapsed, replicaWait);
    }

    /// <summary>createSecret: a new version with a generated password as AWSPENDING, or the one an interrupted run left.</summary>
    private async Task<UserSecret> CreateSecretAsync(string secretId, UserSecret current, CancellationToken ct)
    {
        var versions = await secrets.DescribeVersionsAsync(secretId, ct);
        var interrupted = versions.FirstOrDefault(v => v.Value.Contains(Pending) && !v.Value.Contains(Current)).Key;
        UserSecret pending;
        if (interrupted is not null)
        {
            pending = await ReadAsync(secretId, Pending, interrupted, ct);
            say($"createSecret: resuming the interrupted rotation: version {interrupted} is already AWSPENDING");
        }
        else
        {
            var token = Guid.NewGuid().ToString();
            var value = new JsonObject { ["username"] = current.Username, ["password"] = NewPassword() };
            await secrets.PutSecretValueAsync(secretId, token, value.ToJsonString(), [Pending], ct);
            pending = await ReadAsync(secretId, Pending, token, ct);
            say($"createSecret: new version {token} of {secretId} is AWSPENDING");
        }
        return pending.Username == current.Username
            ? pending
            : throw new DeployException($"{secretId}: AWSPENDING is for user {pending.Username}, AWSCURRENT for {current.Username}: a single-user rotation keeps the user.");
    }

    /// <summary>
    /// setSecret: the user sets its own new password on the primary, and the replica applies it (MASTER_GTID_WAIT).
    /// The replica connection is opened first, with the password it still has, to wait on it afterwards. Returns the wait.
    /// </summary>
    private async Task<TimeSpan> SetSecretAsync(UserSecret current, UserSecret pending, CancellationToken ct)
    {
        await using var replicaSession = await OpenAsync(replica, current.Username, current.Password, ct)
            ?? await OpenAsync(replica, current.Username, pending.Password, ct)
            ?? throw new DeployException($"{current.Username} cannot log in to the replica {replica} with AWSCURRENT or AWSPENDING: nothing was changed on the servers.");
        var position = await SetPasswordOnPrimaryAsync(current, pending, ct);
        var waited = Stopwatch.StartNew();
        await using (var wait = new MySqlCommand("SELECT MASTER_GTID_WAIT(@position, @seconds)", replicaSession) { CommandTimeout = (int)ReplicaWait.TotalSeconds + 5 })
        {
            wait.Parameters.AddWithValue("@position", position);
            wait.Parameters.AddWithValue("@seconds", ReplicaWait.TotalSeconds);
            var result = await wait.ExecuteScalarAsync(ct);
            if (result is null or DBNull || Convert.ToInt64(result, System.Globalization.CultureInfo.InvariantCulture) != 0)
            {
                throw new DeployException($"the replica {replica} did not apply {position} within {ReplicaWait.TotalSeconds:0} s; AWSCURRENT is unchanged (run again to resume).");
            }
        }
        waited.Stop();
        say($"setSecret: the replica {replica} applied it ({waited.Elapsed.TotalMilliseconds:0} ms)");
        return waited.Elapsed;
    }

    /// <summary>SET PASSWORD as the user itself on the primary (or nothing, when a resumed run finds it done); the GTID position after it.</summary>
    private async Task<string> SetPasswordOnPrimaryAsync(UserSecret current, UserSecret pending, CancellationToken ct)
    {
        await using var session = await OpenAsync(primary, current.Username, current.Password, ct);
        if (session is null)
        {
            // Resumed after setSecret had already run: the server has the pending password.
            await using var already = await OpenAsync(primary, current.Username, pending.Password, ct)
                ?? throw new DeployException($"{current.Username} cannot log in to the primary {primary} with AWSCURRENT or AWSPENDING.");
            say($"setSecret: {current.Username} already has the AWSPENDING password on the primary");
            return await ScalarAsync(already, "SELECT @@gtid_binlog_pos", ct);
        }
        await using (var set = new MySqlCommand("SET PASSWORD = PASSWORD(@password)", session))
        {
            set.Parameters.AddWithValue("@password", pending.Password);
            await set.ExecuteNonQueryAsync(ct);
        }
        var position = await ScalarAsync(session, "SELECT @@gtid_binlog_pos", ct);
        say($"setSecret: {current.Username} set its own new password on the primary {primary} (position {position})");
        return position;
    }

    /// <summary>testSecret: the new password opens connections on the primary and the replica.</summary>
    private async Task TestSecretAsync(UserSecret pending, CancellationToken ct)
    {
        foreach (var endpoint in new[] { primary, replica })
        {
            await using var test = await OpenAsync(endpoint, pending.Username, pending.Password, ct)
                ?? throw new DeployException($"testSecret: the new password is refused by {endpoint}; AWSCURRENT is unchanged (run again to resume).");
            await ScalarAsync(test, "SELECT CURRENT_USER()", ct);
        }
        say($"testSecret: the new password opens connections on the primary and the replica");
    }

    /// <summary>finishSecret: AWSCURRENT moves to the new version (the old one becomes AWSPREVIOUS), AWSPENDING is removed.</summary>
    private async Task FinishSecretAsync(string secretId, UserSecret current, UserSecret pending, CancellationToken ct)
    {
        await secrets.UpdateSecretVersionStageAsync(secretId, Current, pending.VersionId, current.VersionId, ct);
        await secrets.UpdateSecretVersionStageAsync(secretId, Pending, null, pending.VersionId, ct);
        say($"finishSecret: AWSCURRENT is version {pending.VersionId}; {current.VersionId} is AWSPREVIOUS");
    }

    /// <summary>The old password must now be refused everywhere.</summary>
    private async Task CheckOldPasswordRefusedAsync(UserSecret current, CancellationToken ct)
    {
        foreach (var endpoint in new[] { primary, replica })
        {
            if (await OpenAsync(endpoint, current.Username, current.Password, ct) is { } stillOpen)
            {
                await stillOpen.DisposeAsync();
                throw new DeployException($"the old password of {current.Username} is still accepted by {endpoint}.");
            }
        }
    }

    private async Task<UserSecret> ReadAsync(string secretId, string stage, string? versionId, CancellationToken ct)
    {
        SecretValue value;
        try
        {
            value = await secrets.GetSecretValueAsync(secretId, stage, versionId, ct);
        }
        catch (SecretsManagerException e)
        {
            throw new DeployException($"cannot read {secretId} ({stage}): {e.Message}");
        }
        try
        {
            using var json = JsonDocument.Parse(value.SecretString ?? "");
            var username = json.RootElement.GetProperty("username").GetString();
            var password = json.RootElement.GetProperty("password").GetString();
            if (!string.IsNullOrEmpty(username) && !string.IsNullOrEmpty(password))
            {
                return new UserSecret(username, password, value.VersionId);
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
        }
        throw new DeployException($"{secretId} ({stage}) is not JSON with a \"username\" and a \"password\".");
    }

    /// <summary>A new physical connection (no pool), or null when the server refuses the password (1045).</summary>
    private static async Task<MySqlConnection?> OpenAsync(DatabaseEndpoint endpoint, string user, string password, CancellationToken ct)
    {
        var connection = new MySqlConnection(new MySqlConnectionStringBuilder
        {
            Server = endpoint.Host,
            Port = endpoint.Port,
            UserID = user,
            Password = password,
            Pooling = false,
            ConnectionTimeout = 5,
            // As the app connects: TLS, certificate and host name checked (require_secure_transport refuses plain text).
            SslMode = MySqlSslMode.VerifyFull,
            SslCa = endpoint.CaFile ?? "",
        }.ConnectionString);
        try
        {
            await connection.OpenAsync(ct);
            return connection;
        }
        catch (MySqlException e) when (e.ErrorCode == MySqlErrorCode.AccessDenied)
        {
            await connection.DisposeAsync();
            return null;
        }
        catch (MySqlException e)
        {
            await connection.DisposeAsync();
            throw new DeployException($"cannot reach {endpoint}: {e.Message}");
        }
    }

    private static async Task<string> ScalarAsync(MySqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new MySqlCommand(sql, connection);
        return Convert.ToString(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }

    /// <summary>Letters and digits, 32 of them (as the secret generator is configured: nothing needs quoting anywhere).</summary>
    private static string NewPassword() =>
        System.Security.Cryptography.RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789", 32);

    private sealed record UserSecret(string Username, string Password, string VersionId);
}
