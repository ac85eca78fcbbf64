using System.Diagnostics;
using System.Text.Json;
using CliWrap;
using CliWrap.Buffered;
using Groundwork.Faults.Tests.Infrastructure;
using Groundwork.LocalServers;
using Groundwork.Testing;
using MySqlConnector;
using Xunit.Abstractions;
using Groundwork.Workspace;

namespace Groundwork.Faults.Tests;

/// <summary>
/// Row 11: what AWS does to every running system — the database password rotates. The real `rotate-credentials`
/// command runs against the stack under a steady stream; then every server-side session of the app user is ended, so
/// the pools must open new physical connections, which only the new password can do.
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed class CredentialRotationTests(FaultStack stack, ITestOutputHelper output)
{
    [Fact]
    public async Task Rotating_the_app_password_under_load_fails_no_request_and_the_old_password_is_refused()
    {
        var seeds = await stack.SeedAsync("s11", 8);
        await using var load = new LoadStream(stack.EdgeUrl, "s11", seeds) { Mix = (60, 15, 15, 10) }.Start();
        DataLoss? loss = null;
        (int ExitCode, string Output, string Error, TimeSpan Elapsed) rotation = default;
        var killed = 0;
        int? oldOnPrimary = null, oldOnReplica = null;
        var newSessions = 0;
        var clock = Stopwatch.StartNew();
        try
        {
            await load.RunForAtLeastAsync(100, TimeSpan.FromSeconds(2));
            var before = ReadSecret(DataTierSetup.AppSecretName, LocalSecretsManager.Current);

            load.Phase = "rotating";
            rotation = await RunDeployToolAsync("rotate-credentials", "--env", "local", "--data-dir", stack.DataDirectory);
            await load.RunForAtLeastAsync(100, TimeSpan.FromSeconds(2));

            // Pooled connections outlive a password change; end them, so that only new physical connections remain.
            // Only idle ones, with no request in flight: ending a session mid-statement is a lost connection (a create
            // written but answered 503, as one CI run saw), the failover rows' fault, not something a rotation does.
            load.Phase = "sessions ended after rotation";
            await load.PauseAsync();
            var ended = new HashSet<long>();
            foreach (var root in new[] { await stack.PrimaryRootAsync(), await stack.ReplicaRootAsync() })
            {
                await using (root)
                {
                    foreach (var id in await SessionsOfAsync(root, DataTierSetup.AppUser, idleOnly: true))
                    {
                        await using var kill = new MySqlCommand($"KILL CONNECTION {id}", root);
                        try
                        {
                            await kill.ExecuteNonQueryAsync();
                            ended.Add(id);
                        }
                        catch (MySqlException)
                        {
                            // ended by itself meanwhile
                        }
                    }
                }
            }
            load.Resume();
            killed = ended.Count;
            await load.RunForAtLeastAsync(200, TimeSpan.FromSeconds(3));

            await using (var root = await stack.PrimaryRootAsync())
            {
                newSessions = (await SessionsOfAsync(root, DataTierSetup.AppUser)).Count(id => !ended.Contains(id));
            }
            oldOnPrimary = await RefusalAsync(stack.PrimaryPort, before.Password, stack.Layout.Certificates.CaFile);
            oldOnReplica = await RefusalAsync(stack.ReplicaPort, before.Password, stack.Layout.Certificates.CaFile);

            load.Phase = "after";
            await stack.Setup.WaitForReplicaCaughtUpAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
            await load.StopAsync();
            loss = await DataLoss.MeasureAsync(stack, load, TimeSpan.FromSeconds(30));
        }
        finally
        {
            await load.StopAsync();
            var lastLine = rotation.Output?.Trim().Split('\n').LastOrDefault()?.Trim() ?? "";
            output.WriteLine($"rotate-credentials exit {rotation.ExitCode} in {rotation.Elapsed.TotalSeconds:F1} s:\n{rotation.Output}{rotation.Error}");
            output.WriteLine($"requests {load.Requests} in {clock.Elapsed.TotalSeconds:F0} s, failures: {load.FailureSummary()}, sessions ended {killed}, new sessions {newSessions}, old password: primary {oldOnPrimary}, replica {oldOnReplica}, loss: {loss?.Describe()}");
            var kept = rotation.ExitCode == 0 && load.Failures.Count == 0 && oldOnPrimary == 1045 && oldOnReplica == 1045
                && killed > 0 && newSessions > 0 && loss is { None: true };
            ReliabilityResults.Record(new ReliabilityScenarioResult(11,
                "Credential rotation under load: 0 failed requests; the old password is refused afterwards; every acknowledged create present",
                "`rotate-credentials --env local` (single-user rotation of groundwork_app) during the stream, then every idle server-side session of the app user ended (KILL CONNECTION, the stream paused so none is mid-statement) so the pools reconnect",
                load.Requests, load.Failures.Count, load.FailureSummary(), loss?.Short() ?? "not measured", kept,
                $"The rotation took {rotation.Elapsed.TotalSeconds:F1} s as a separate process (\"{lastLine}\"). Pooled connections kept serving through it " +
                $"(a password change does not end sessions); {killed} sessions were then ended, and {newSessions} new ones were open on the primary afterwards — " +
                "opened with the new password: each instance's cached AWSCURRENT was refused (1045), re-read from the stand-in and the pool replaced, within the same request. " +
                $"The old password afterwards: error {oldOnPrimary?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"} on the primary, {oldOnReplica?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"} on the replica.",
                DateTimeOffset.UtcNow));
        }

        Assert.True(rotation.ExitCode == 0, rotation.Error + rotation.Output);
        Assert.Contains("old password", rotation.Output.Trim().Split('\n')[^1], StringComparison.Ordinal);
        Assert.Contains("refused", rotation.Output.Trim().Split('\n')[^1], StringComparison.Ordinal);
        Assert.True(load.Failures.Count == 0, load.FailureSummary());
        Assert.Equal(1045, oldOnPrimary);
        Assert.Equal(1045, oldOnReplica);
        Assert.True(killed > 0, "no pooled session of the app user was found to end");
        Assert.True(newSessions > 0, "no new session of the app user was opened after the rotation");
        Assert.True(loss!.None, loss.Describe());
        var after = ReadSecret(DataTierSetup.AppSecretName, LocalSecretsManager.Previous);
        Assert.NotEqual(after.Password, ReadSecret(DataTierSetup.AppSecretName, LocalSecretsManager.Current).Password);
    }

    /// <summary>The stand-in's store (0600, in the stack's data directory): the test's view of what Secrets Manager holds.</summary>
    private (string Username, string Password) ReadSecret(string name, string stage)
    {
        using var store = JsonDocument.Parse(File.ReadAllText(stack.Layout.SecretsFile));
        var secret = store.RootElement.EnumerateArray().Single(s => s.GetProperty("Name").GetString() == name);
        foreach (var version in secret.GetProperty("Versions").EnumerateObject())
        {
            if (version.Value.GetProperty("Stages").EnumerateArray().Any(s => s.GetString() == stage))
            {
                using var value = JsonDocument.Parse(version.Value.GetProperty("SecretString").GetString()!);
                return (value.RootElement.GetProperty("username").GetString()!, value.RootElement.GetProperty("password").GetString()!);
            }
        }
        throw new InvalidOperationException($"{name} has no {stage} version.");
    }

    private static async Task<List<long>> SessionsOfAsync(MySqlConnection root, string user, bool idleOnly = false)
    {
        var ids = new List<long>();
        await using var list = new MySqlCommand(
            "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = @u" + (idleOnly ? " AND COMMAND = 'Sleep'" : ""), root);
        list.Parameters.AddWithValue("@u", user);
        await using var reader = await list.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetInt64(0));
        }
        return ids;
    }

    /// <summary>The error a new connection as the app user with this password gets (null: it was let in).</summary>
    private static async Task<int?> RefusalAsync(int port, string password, string caFile)
    {
        try
        {
            await using var connection = new MySqlConnection(new MySqlConnectionStringBuilder
            {
                Server = "127.0.0.1", Port = (uint)port, UserID = DataTierSetup.AppUser, Password = password, Pooling = false,
                // As the app connects (TLS verified): the 1045 must be about the password, never the transport.
                SslMode = MySqlSslMode.VerifyFull, SslCa = caFile,
            }.ConnectionString);
            await connection.OpenAsync();
            return null;
        }
        catch (MySqlException e)
        {
            return e.Number;
        }
    }

    /// <summary>The deploy tool as its own process, as an operator or the Jenkins job runs it.</summary>
    private static async Task<(int, string, string, TimeSpan)> RunDeployToolAsync(params string[] arguments)
    {
        var clock = Stopwatch.StartNew();
        // tests/Groundwork.Faults.Tests/bin/<configuration>/<tfm>/ → src/Groundwork.Deploy/bin/<configuration>/<tfm>/
        var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        var tool = Path.Combine(RepositoryRoot.Current, "src", "Groundwork.Deploy", "bin", tfm.Parent!.Name, tfm.Name, "groundwork-deploy.dll");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var result = await Cli.Wrap("dotnet")
            .WithArguments([tool, .. arguments])
            .WithWorkingDirectory(RepositoryRoot.Current)
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(timeout.Token);
        return (result.ExitCode, result.StandardOutput, result.StandardError, clock.Elapsed);
    }
}
