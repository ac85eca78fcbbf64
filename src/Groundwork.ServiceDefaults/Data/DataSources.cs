using Groundwork.ServiceDefaults.Data.Credentials;
using MySqlConnector;

namespace Groundwork.ServiceDefaults.Data;

/// <summary>The writer endpoint (RDS primary; the primary mariadbd locally). Every write and read-after-write.</summary>
public sealed class PrimaryDataSource
{
    private readonly AuthenticatingDataSource _source;

    public PrimaryDataSource(MySqlDataSource dataSource) => _source = new AuthenticatingDataSource(dataSource);

    internal PrimaryDataSource(AuthenticatingDataSource source) => _source = source;

    /// <summary>The pool (built on first use when the user comes from a secret). Open through <see cref="OpenConnectionAsync"/>.</summary>
    public MySqlDataSource DataSource => _source.DataSource;

    /// <summary>Opens a connection; a refused password is re-read from the secret and the open retried once.</summary>
    public ValueTask<MySqlConnection> OpenConnectionAsync(CancellationToken ct) => _source.OpenConnectionAsync(ct);

    /// <summary>
    /// Drops every pooled connection (the next opens make new physical connections). Use this, not
    /// <c>MySqlConnection.ClearPool</c>: that one cannot reach a data source's own pool.
    /// </summary>
    public void ClearPool() => _source.ReplacePool();
}

/// <summary>
/// The reader endpoint (RDS read replica; the replica mariadbd locally). Not <see cref="IsConfigured"/> means the
/// environment has no replica and reads go to the primary.
/// </summary>
public sealed class ReplicaDataSource
{
    private readonly AuthenticatingDataSource? _source;

    public ReplicaDataSource(MySqlDataSource? dataSource) => _source = dataSource is null ? null : new AuthenticatingDataSource(dataSource);

    internal ReplicaDataSource(AuthenticatingDataSource? source) => _source = source;

    public bool IsConfigured => _source is not null;

    public MySqlDataSource? DataSource => _source?.DataSource;

    public ValueTask<MySqlConnection> OpenConnectionAsync(CancellationToken ct) =>
        _source?.OpenConnectionAsync(ct) ?? throw new InvalidOperationException("No replica is configured.");

    /// <summary>Drops every pooled connection to the replica (see <see cref="PrimaryDataSource.ClearPool"/>).</summary>
    public void ClearPool() => _source?.ReplacePool();
}

/// <summary>Where a read was served from; recorded in metrics so "share of reads on the replica" is measurable.</summary>
public enum ReadTarget { Replica, Primary }

/// <summary>
/// A MySqlConnector data source whose user and password may come from a secret (<see cref="DatabaseCredentialProvider"/>).
/// The user is read once, when the pool is built (a single-user rotation keeps the name); the password is handed to
/// the pool before each open (<see cref="MySqlDataSource.Password"/>: used for new physical connections only, the pool
/// stays), so a rotated secret reaches new connections within the cache lifetime, and at once after a refusal.
/// </summary>
internal sealed class AuthenticatingDataSource
{
    private readonly string? _connectionString;
    private readonly Func<string, MySqlDataSource>? _build;
    private readonly DatabaseCredentialProvider? _credentials;
    private readonly SemaphoreSlim _buildGate = new(1, 1);
    private readonly Lock _swapLock = new();
    private static readonly TimeSpan RetiredPoolGrace = TimeSpan.FromSeconds(30);
    private MySqlDataSource? _dataSource;
    private string? _passwordInUse;
    private string? _effectiveConnectionString;

    /// <summary>The connection string's own user and password (no secret).</summary>
    public AuthenticatingDataSource(MySqlDataSource dataSource)
    {
        _dataSource = dataSource;
        _effectiveConnectionString = dataSource.ConnectionString;
        _build = cs => new MySqlDataSourceBuilder(cs).Build();
    }

    /// <summary>User and password from the secret; <paramref name="build"/> makes the pool from a connection string.</summary>
    public AuthenticatingDataSource(string connectionString, DatabaseCredentialProvider credentials, Func<string, MySqlDataSource> build)
    {
        _connectionString = connectionString;
        _credentials = credentials;
        _build = build;
    }

    public MySqlDataSource DataSource => _dataSource ?? BuildAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public async ValueTask<MySqlConnection> OpenConnectionAsync(CancellationToken ct)
    {
        var dataSource = _dataSource ?? await BuildAsync(ct);
        if (_credentials is null)
        {
            return await dataSource.OpenConnectionAsync(ct);
        }
        var credential = await _credentials.GetAsync(ct);
        Use(dataSource, credential.Password);
        try
        {
            return await dataSource.OpenConnectionAsync(ct);
        }
        catch (MySqlException e) when (e.ErrorCode == MySqlErrorCode.AccessDenied)
        {
            var fresh = await _credentials.RefreshAfterAuthenticationFailureAsync(credential.Password, ct);
            // Connections opened with a password that is now refused are the ones the design says to drop: the pool
            // is replaced by a fresh one that opens with the password just read.
            return await ReplacePool(dataSource, fresh.Password).OpenConnectionAsync(ct);
        }
    }

    /// <summary>
    /// MySqlConnection.ClearPool cannot clear a data source's pool (it looks pools up by connection string, and a data
    /// source's own pool is not among them), so a cleared pool is a new data source. The old one is disposed (its idle
    /// connections closed) once requests that already hold it have had time to finish.
    /// </summary>
    private MySqlDataSource ReplacePool(MySqlDataSource refused, string? password)
    {
        lock (_swapLock)
        {
            if (!ReferenceEquals(_dataSource, refused))
            {
                if (password is not null)
                {
                    Use(_dataSource!, password);
                }
                return _dataSource!; // a concurrent refusal already replaced it
            }
            var replacement = _build!(_effectiveConnectionString!);
            if (password is not null)
            {
                replacement.Password = password;
                _passwordInUse = password;
            }
            _dataSource = replacement;
            _ = Task.Delay(RetiredPoolGrace).ContinueWith(_ => refused.DisposeAsync().AsTask(), TaskScheduler.Default).Unwrap();
            return replacement;
        }
    }

    /// <summary>A new, empty pool (with the password in use); the old one is retired as after a refusal.</summary>
    public void ReplacePool()
    {
        if (_dataSource is { } current)
        {
            ReplacePool(current, _passwordInUse);
        }
    }

    /// <summary>A field assignment, done on every open: the pool in hand may have been replaced meanwhile.</summary>
    private void Use(MySqlDataSource dataSource, string password)
    {
        dataSource.Password = password;
        _passwordInUse = password;
    }

    private async ValueTask<MySqlDataSource> BuildAsync(CancellationToken ct)
    {
        await _buildGate.WaitAsync(ct);
        try
        {
            if (_dataSource is { } built)
            {
                return built;
            }
            var credential = await _credentials!.GetAsync(ct);
            // The password must not be in the connection string: it would take precedence over the pool's Password.
            var csb = new MySqlConnectionStringBuilder(_connectionString!) { UserID = credential.Username };
            csb.Remove("Password");
            _effectiveConnectionString = csb.ConnectionString;
            var dataSource = _build!(csb.ConnectionString);
            dataSource.Password = credential.Password;
            _passwordInUse = credential.Password;
            _dataSource = dataSource;
            return dataSource;
        }
        finally
        {
            _buildGate.Release();
        }
    }
}
