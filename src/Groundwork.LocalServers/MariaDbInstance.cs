using MySqlConnector;

namespace Groundwork.LocalServers;

/// <summary>
/// One mariadbd of the pair: its directory, option file, data directory initialisation and the command line that
/// runs it. It does not run the process itself: <see cref="LocalDataTier"/> does for tests, Aspire's DCP does for
/// the AppHost.
/// </summary>
public sealed class MariaDbInstance
{
    // sun_path in sockaddr_un is 108 bytes including the terminating NUL.
    private const int MaxUnixSocketPathLength = 107;

    internal MariaDbInstance(MariaDbRole role, string instanceDirectory, int port, int serverId, DataTierCertificates certificates)
    {
        Certificates = certificates;
        Role = role;
        ServerId = serverId;
        InstanceDirectory = instanceDirectory;
        Port = port;
    }

    /// <summary>The part this server plays now (it changes with a failover, see <see cref="DataTierRoles"/>).</summary>
    public MariaDbRole Role { get; }

    /// <summary>Fixed per server (1 for the directory primary/, 2 for replica/), as an RDS instance keeps its identity through a failover.</summary>
    public int ServerId { get; }
    public string InstanceDirectory { get; }
    public DataTierCertificates Certificates { get; }
    public int Port { get; }
    public string DataDirectory => Path.Combine(InstanceDirectory, "data");
    public string SocketPath => Path.Combine(InstanceDirectory, "mariadbd.sock");
    public string DefaultsFile => Path.Combine(InstanceDirectory, "my.cnf");
    public string ErrorLogPath => Path.Combine(InstanceDirectory, "error.log");
    public string PidFile => Path.Combine(InstanceDirectory, "mariadbd.pid");
    public string TemporaryDirectory => Path.Combine(InstanceDirectory, "tmp");

    public string ServerExecutable => ExecutableLocator.Find("mariadbd");

    /// <summary>The full command line after the executable. <c>--defaults-file</c> must come first.</summary>
    public IReadOnlyList<string> ServerArguments => [$"--defaults-file={DefaultsFile}"];

    /// <summary>
    /// The administrator over the unix socket, the only way it can log in (unix_socket authentication, no password).
    /// mariadb-install-db names that account after the OS user running the server: <c>root</c> on CI and here.
    /// </summary>
    public string RootConnectionString => new MySqlConnectionStringBuilder
    {
        Server = SocketPath,
        ConnectionProtocol = MySqlConnectionProtocol.Unix,
        UserID = Environment.UserName,
        // Pooled connections would outlive a killed server and fail on first use; root sessions are rare anyway.
        Pooling = false,
        ConnectionTimeout = 5,
    }.ConnectionString;

    /// <summary>Writes the option file. Safe to call any number of times; the content depends only on the layout.</summary>
    public void WriteConfig()
    {
        if (SocketPath.Length > MaxUnixSocketPathLength)
            throw new InvalidOperationException(
                $"The socket path '{SocketPath}' is longer than a unix socket allows ({MaxUnixSocketPathLength}); use a shorter root directory.");
        Directory.CreateDirectory(InstanceDirectory);
        Directory.CreateDirectory(TemporaryDirectory);
        var content = MariaDbOptionFile.Render(this);
        if (File.Exists(DefaultsFile) && File.ReadAllText(DefaultsFile) == content) return;
        var temporary = DefaultsFile + ".tmp";
        File.WriteAllText(temporary, content);
        File.Move(temporary, DefaultsFile, overwrite: true);
    }

    /// <summary>
    /// Creates the system tables with mariadb-install-db unless the data directory already holds them. The install
    /// goes to a side directory that is renamed into place only on success, so an interrupted install is redone,
    /// never half-used.
    /// </summary>
    public async Task InitializeAsync(CancellationToken ct)
    {
        WriteConfig();
        if (Directory.Exists(Path.Combine(DataDirectory, "mysql"))) return;

        var staging = DataDirectory + ".installing";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        if (Directory.Exists(DataDirectory)) Directory.Delete(DataDirectory, recursive: true); // empty or half-made

        var result = await ServerProcess.RunToEndAsync(
            ExecutableLocator.Find("mariadb-install-db"),
            [
                $"--defaults-file={DefaultsFile}",
                $"--datadir={staging}",
                "--auth-root-authentication-method=socket",
                "--skip-test-db",
            ],
            ct).ConfigureAwait(false);
        if (result.ExitCode != 0)
            throw new InvalidOperationException(
                $"mariadb-install-db failed for {Role} (exit {result.ExitCode}):\n{result.Output}\n{ReadErrorLogTail()}");
        Directory.Move(staging, DataDirectory);
    }

    /// <summary>True when root can log in over the socket: the server has finished start-up (including crash recovery).</summary>
    public async Task<bool> IsAcceptingConnectionsAsync(CancellationToken ct)
    {
        if (!File.Exists(SocketPath)) return false;
        try
        {
            await using var connection = await OpenRootConnectionAsync(ct).ConfigureAwait(false);
            // A ping, not a SELECT: the Com_select counters are used by tests to prove where reads went.
            return await connection.PingAsync(ct).ConfigureAwait(false);
        }
        catch (MySqlException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    public async Task<MySqlConnection> OpenRootConnectionAsync(CancellationToken ct)
    {
        var connection = new MySqlConnection(RootConnectionString);
        try
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The last lines of the error log, for exception messages when start-up fails.</summary>
    public string ReadErrorLogTail(int lines = 30)
    {
        if (!File.Exists(ErrorLogPath)) return "(no error log)";
        using var stream = new FileStream(ErrorLogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var all = reader.ReadToEnd().Split('\n');
        return string.Join('\n', all.TakeLast(lines));
    }

    public override string ToString() => $"mariadbd {ServerId} (127.0.0.1:{Port})";
}
