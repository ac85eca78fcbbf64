using System.Text;

namespace Groundwork.LocalServers;

/// <summary>
/// Renders the option file (cnf) of one mariadbd. The settings are data: small memory, loopback only, GTID
/// replication, and everything (socket, pid, logs) inside the instance directory so nothing touches /etc/mysql
/// or /run/mysqld.
/// </summary>
internal static class MariaDbOptionFile
{
    public static IReadOnlyList<KeyValuePair<string, string?>> ServerSettings(MariaDbInstance instance) =>
    [
        // mariadbd refuses to run as root unless told to; CI and these machines run everything as root.
        new("user", Environment.UserName),
        new("datadir", instance.DataDirectory),
        new("socket", instance.SocketPath),
        new("pid-file", instance.PidFile),
        new("log-error", instance.ErrorLogPath),
        // Not the shared /tmp: servers installed or run in parallel must never see each other's temporary tables.
        new("tmpdir", instance.TemporaryDirectory),
        new("port", instance.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("bind-address", "127.0.0.1"),
        new("skip-name-resolve", null),
        new("max_connections", "200"),
        new("performance_schema", "OFF"),
        new("innodb_buffer_pool_size", "64M"),
        new("innodb_log_file_size", "48M"),
        // Local durability is not the point; speed is. A killed mariadbd still recovers (InnoDB redo log).
        new("innodb_flush_log_at_trx_commit", "2"),
        new("sync_binlog", "0"),
        new("server-id", instance.ServerId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("log-bin", "mariadb-bin"),
        new("binlog_format", "ROW"),
        new("gtid_strict_mode", "1"),
        // The replica logs what it applies, so it could be promoted with the same GTID history.
        new("log_slave_updates", "1"),
        new("relay-log", "relay-bin"),
        // A killed primary is noticed at once (connection reset); a hung one within this many seconds.
        new("slave_net_timeout", "10"),
        // The replica refuses writes from everyone without SUPER; set here because SET GLOBAL is lost on restart.
        // Follows the current role (DataTierRoles): a failover rewrites both files, so a restart keeps the roles.
        new("read_only", instance.Role == MariaDbRole.Replica ? "1" : "0"),
        // As the RDS parameter group: TCP clients must use TLS (the unix socket counts as secure: root still logs in
        // there). The certificate is the tier's (DataTierCertificates); FLUSH NO_WRITE_TO_BINLOG SSL reloads it after a rotation.
        new("ssl_cert", instance.Certificates.ServerCertificateFile),
        new("ssl_key", instance.Certificates.ServerKeyFile),
        new("ssl_ca", instance.Certificates.CaFile),
        new("require_secure_transport", "ON"),
        new("character-set-server", "utf8mb4"),
        new("collation-server", "utf8mb4_unicode_ci"),
    ];

    public static string Render(MariaDbInstance instance)
    {
        var text = new StringBuilder();
        text.AppendLine("# Written by Groundwork.LocalServers; rewritten on every start. Local use only.");
        // [mariadb] is read by mariadbd and mariadb-install-db; [client] by the mariadb command-line client.
        text.AppendLine("[mariadb]");
        foreach (var (key, value) in ServerSettings(instance))
            text.AppendLine(value is null ? key : $"{key}={value}");
        text.AppendLine();
        text.AppendLine("[client]");
        text.AppendLine($"socket={instance.SocketPath}");
        text.AppendLine($"user={Environment.UserName}");
        return text.ToString();
    }
}
