using MySqlConnector;

namespace Groundwork.LocalServers;

/// <summary>The few columns of SHOW SLAVE STATUS that say whether, and from where, the replica replicates.</summary>
public sealed record ReplicaThreadStatus(
    string MasterHost,
    int MasterPort,
    string MasterUser,
    string UsingGtid,
    string IoRunning,
    string SqlRunning,
    string LastIoError,
    string LastSqlError,
    string SslAllowed = "",
    string SslVerifyServerCert = "",
    string SslCa = "")
{
    public bool IoThreadRunning => IoRunning == "Yes";
    public bool SqlThreadRunning => SqlRunning == "Yes";

    /// <summary>Null when the server was never told to replicate.</summary>
    public static async Task<ReplicaThreadStatus?> ReadAsync(MySqlConnection rootOnReplica, CancellationToken ct)
    {
        await using var command = new MySqlCommand("SHOW SLAVE STATUS", rootOnReplica);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        if (!await reader.ReadAsync(ct).ConfigureAwait(false)) return null;
        string Text(string column) => reader[column] is string s ? s : Convert.ToString(reader[column], System.Globalization.CultureInfo.InvariantCulture) ?? "";
        return new ReplicaThreadStatus(
            Text("Master_Host"),
            Convert.ToInt32(reader["Master_Port"], System.Globalization.CultureInfo.InvariantCulture),
            Text("Master_User"),
            Text("Using_Gtid"),
            Text("Slave_IO_Running"),
            Text("Slave_SQL_Running"),
            Text("Last_IO_Error"),
            Text("Last_SQL_Error"),
            Text("Master_SSL_Allowed"),
            Text("Master_SSL_Verify_Server_Cert"),
            Text("Master_SSL_CA_File"));
    }
}
