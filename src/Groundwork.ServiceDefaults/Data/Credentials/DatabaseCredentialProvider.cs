using System.Text.Json;
using Groundwork.SecretsManager;
using Microsoft.Extensions.Logging;

namespace Groundwork.ServiceDefaults.Data.Credentials;

/// <summary>Section <c>Database:Credentials</c>: where the database user and password come from.</summary>
public sealed class DatabaseCredentialOptions
{
    /// <summary>Secret name or ARN holding <c>{"username","password"}</c>. Unset: the connection string's own password is used.</summary>
    public string? SecretId { get; set; }
    /// <summary>Secrets Manager endpoint override (the local stand-in); unset in AWS.</summary>
    public string? ServiceUrl { get; set; }
    /// <summary>Region override; an ARN's region, AWS_REGION or the SDK's fallback otherwise.</summary>
    public string? Region { get; set; }
    /// <summary>How long a read secret is used before it is read again (an authentication failure re-reads at once).</summary>
    public TimeSpan CacheLifetime { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>A database user and its password, and the secret version they came from.</summary>
public sealed record DatabaseCredential(string Username, string Password, string VersionId, string Stage);

/// <summary>
/// The credentials cannot be read (secret missing, malformed, Secrets Manager unreachable without a cached value).
/// An <see cref="InvalidOperationException"/>: the health checks and the replica fallback already treat those as
/// "this dependency is not usable"; a request gets a 503 problem, not a 500.
/// </summary>
public sealed class DatabaseCredentialsException(string message, Exception? inner = null) : InvalidOperationException(message, inner);

/// <summary>
/// Reads a database user's credentials from Secrets Manager when connections are opened: cached for
/// <see cref="DatabaseCredentialOptions.CacheLifetime"/>, and re-read at once after the server refused the password
/// (error 1045). Inside a rotation the new password is already set on the server while it is still AWSPENDING, so
/// when AWSCURRENT is the password that just failed, AWSPENDING is the one to try.
/// </summary>
public sealed partial class DatabaseCredentialProvider
{
    public const string Current = "AWSCURRENT";
    public const string Pending = "AWSPENDING";

    /// <summary>After Secrets Manager failed to answer, the last good credential is used this long before asking again.</summary>
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(10);
    /// <summary>A pending version is a rotation in flight: look again soon, it becomes AWSCURRENT or is abandoned.</summary>
    private static readonly TimeSpan PendingLifetime = TimeSpan.FromSeconds(10);

    private readonly SecretsManagerClient _client;
    private readonly TimeSpan _cacheLifetime;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DatabaseCredential? _cached;
    private DateTimeOffset _expires;
    /// <summary>With nothing cached, a failed read is answered from here for a while: a broken secret must not turn every request into a Secrets Manager call.</summary>
    private (DatabaseCredentialsException Error, DateTimeOffset Until)? _failure;
    private long _reads;

    internal DatabaseCredentialProvider(string secretId, SecretsManagerClient client, TimeSpan cacheLifetime, TimeProvider time, ILogger logger)
    {
        SecretId = secretId;
        _client = client;
        _cacheLifetime = cacheLifetime;
        _time = time;
        _logger = logger;
    }

    public static DatabaseCredentialProvider Create(DatabaseCredentialOptions options, ILogger logger, TimeProvider? time = null)
    {
        var secretId = options.SecretId ?? throw new ArgumentException("SecretId is required.", nameof(options));
        var region = SecretsManagerClient.ResolveRegion(secretId, options.Region);
        var client = new SecretsManagerClient(region, string.IsNullOrWhiteSpace(options.ServiceUrl) ? null : new Uri(options.ServiceUrl));
        return new DatabaseCredentialProvider(secretId, client, options.CacheLifetime, time ?? TimeProvider.System, logger);
    }

    public string SecretId { get; }

    /// <summary>How many times the secret was read from Secrets Manager (tests: the cache works).</summary>
    public long SecretReads => Interlocked.Read(ref _reads);

    /// <summary>The credential to open new connections with.</summary>
    public async ValueTask<DatabaseCredential> GetAsync(CancellationToken ct)
    {
        if (_cached is { } fresh && _time.GetUtcNow() < _expires)
        {
            return fresh;
        }
        await _gate.WaitAsync(ct);
        try
        {
            if (_cached is { } cached && _time.GetUtcNow() < _expires)
            {
                return cached;
            }
            if (_cached is null && _failure is { } failure && _time.GetUtcNow() < failure.Until)
            {
                throw failure.Error;
            }
            try
            {
                var read = Keep(await ReadAsync(Current, ct) ?? throw Missing(Current), _cacheLifetime);
                _failure = null;
                return read;
            }
            catch (DatabaseCredentialsException e) when (_cached is null)
            {
                _failure = (e, _time.GetUtcNow() + RetryAfterFailure);
                throw;
            }
            catch (DatabaseCredentialsException e) when (_cached is not null)
            {
                // Secrets Manager briefly unreachable must not fail requests: the password it last gave is most likely
                // still valid, and a refused one is re-read anyway.
                LogReadFailedKeptCached(_logger, SecretId, e.Message);
                _expires = _time.GetUtcNow() + RetryAfterFailure;
                return _cached;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Called after the server refused <paramref name="failedPassword"/>: the credential to retry with once. Concurrent
    /// failures share one re-read (a caller whose failed password is no longer the cached one just takes the cache).
    /// </summary>
    public async ValueTask<DatabaseCredential> RefreshAfterAuthenticationFailureAsync(string failedPassword, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (_cached is { } cached && cached.Password != failedPassword)
            {
                return cached;
            }
            var current = await ReadAsync(Current, ct) ?? throw Missing(Current);
            if (current.Password != failedPassword)
            {
                LogRefreshed(_logger, SecretId, Current, current.VersionId);
                return Keep(current, _cacheLifetime);
            }
            if (await ReadAsync(Pending, ct) is { } pending && pending.Password != failedPassword)
            {
                LogRefreshed(_logger, SecretId, Pending, pending.VersionId);
                return Keep(pending, PendingLifetime);
            }
            return Keep(current, RetryAfterFailure);
        }
        finally
        {
            _gate.Release();
        }
    }

    private DatabaseCredential Keep(DatabaseCredential credential, TimeSpan lifetime)
    {
        _cached = credential;
        _expires = _time.GetUtcNow() + lifetime;
        return credential;
    }

    private DatabaseCredentialsException Missing(string stage) =>
        new($"database credentials: secret {SecretId} has no {stage} version.");

    /// <summary>The version in a stage, or null when no version carries it (ResourceNotFoundException for that stage).</summary>
    private async Task<DatabaseCredential?> ReadAsync(string stage, CancellationToken ct)
    {
        SecretValue value;
        try
        {
            Interlocked.Increment(ref _reads);
            value = await _client.GetSecretValueAsync(SecretId, stage, ct: ct);
        }
        catch (SecretsManagerException e) when (e.Code == "ResourceNotFoundException" && stage != Current)
        {
            return null;
        }
        catch (SecretsManagerException e)
        {
            throw new DatabaseCredentialsException($"database credentials: cannot read secret {SecretId} ({stage}): {e.Message}", e);
        }
        return Parse(SecretId, stage, value);
    }

    internal static DatabaseCredential Parse(string secretId, string stage, SecretValue value)
    {
        try
        {
            using var json = JsonDocument.Parse(value.SecretString ?? "");
            if (json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("username", out var user) && user.ValueKind == JsonValueKind.String && user.GetString() is { Length: > 0 } username
                && json.RootElement.TryGetProperty("password", out var pass) && pass.ValueKind == JsonValueKind.String && pass.GetString() is { Length: > 0 } password)
            {
                return new DatabaseCredential(username, password, value.VersionId, stage);
            }
        }
        catch (JsonException)
        {
        }
        // Never quote the value: it is a secret.
        throw new DatabaseCredentialsException($"database credentials: secret {secretId} ({stage}) is not JSON with a non-empty \"username\" and \"password\".");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not re-read secret {SecretId}, still using the cached credential: {Error}")]
    private static partial void LogReadFailedKeptCached(ILogger logger, string secretId, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database password refused; secret {SecretId} re-read, using {Stage} version {VersionId}")]
    private static partial void LogRefreshed(ILogger logger, string secretId, string stage, string versionId);
}
