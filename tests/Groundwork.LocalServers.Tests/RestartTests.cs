using Groundwork.LocalServers;
using MySqlConnector;
using Xunit.Abstractions;

namespace Groundwork.LocalServers.Tests;

/// <summary>A tier stopped completely and started again on its kept data directories.</summary>
public sealed class RestartTests(ITestOutputHelper output)
{
    private static readonly TimeSpan CatchUp = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_restarted_tier_keeps_its_data_credentials_and_replication()
    {
        var root = TempRoot.Create();
        try
        {
            var layout = DataTierLayout.ForTests(root);
            var marker = Sql.NewMarker();
            string passwords;
            await using (var first = await LocalDataTier.StartAsync(layout))
            {
                output.WriteLine($"start-up from nothing: {first.StartUpTime.TotalSeconds:F2} s");
                await Sql.ExecuteAsync(first.Setup.PrimaryConnectionString, Sql.CreateProbeTable);
                await Sql.InsertMarkerAsync(first.Setup.PrimaryConnectionString, marker);
                await first.Setup.WaitForReplicaCaughtUpAsync(CatchUp, default);
                passwords = File.ReadAllText(layout.CredentialsFile);
            }

            if (!OperatingSystem.IsWindows())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(layout.CredentialsFile));

            await using var second = await LocalDataTier.StartAsync(layout);
            output.WriteLine($"start-up on kept data: {second.StartUpTime.TotalSeconds:F2} s");
            Assert.Equal(passwords, File.ReadAllText(layout.CredentialsFile));
            Assert.Equal(1, await Sql.CountMarkerAsync(second.Setup.PrimaryConnectionString, marker));
            Assert.Equal(1, await Sql.CountMarkerAsync(second.Setup.ReplicaConnectionString, marker));

            var after = Sql.NewMarker();
            await Sql.InsertMarkerAsync(second.Setup.PrimaryConnectionString, after);
            await second.Setup.WaitForReplicaCaughtUpAsync(CatchUp, default);
            Assert.Equal(1, await Sql.CountMarkerAsync(second.Setup.ReplicaConnectionString, after));

            // Still read-only after the restart: the setting lives in the option file, not in a SET GLOBAL.
            var error = await Assert.ThrowsAsync<MySqlException>(
                () => Sql.InsertMarkerAsync(second.Setup.ReplicaConnectionString, Sql.NewMarker()));
            Assert.Equal(MySqlErrorCode.OptionPreventsStatement, error.ErrorCode);
        }
        finally
        {
            TempRoot.Delete(root);
        }
    }

    [Fact]
    public async Task A_server_left_running_by_a_crashed_earlier_run_is_replaced()
    {
        var root = TempRoot.Create();
        try
        {
            var layout = DataTierLayout.ForTests(root);
            await layout.PrepareAsync(default);
            // Stands in for a primary whose test host died: running, holding the data directory and the port.
            using var leftOver = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(
                layout.Primary.ServerExecutable, layout.Primary.ServerArguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            try
            {
                while (!await layout.Primary.IsAcceptingConnectionsAsync(default))
                {
                    Assert.False(leftOver.HasExited, "the left-over server did not start");
                    await Task.Delay(50);
                }

                await using var tier = await LocalDataTier.StartAsync(layout);
                Assert.True(leftOver.WaitForExit(TimeSpan.FromSeconds(10)), "the left-over server was not stopped");
                await Sql.ExecuteAsync(tier.Setup.PrimaryConnectionString, Sql.CreateProbeTable);
                var marker = Sql.NewMarker();
                await Sql.InsertMarkerAsync(tier.Setup.PrimaryConnectionString, marker);
                await tier.Setup.WaitForReplicaCaughtUpAsync(CatchUp, default);
                Assert.Equal(1, await Sql.CountMarkerAsync(tier.Setup.ReplicaConnectionString, marker));
            }
            finally
            {
                if (!leftOver.HasExited) leftOver.Kill();
                leftOver.WaitForExit();
            }
        }
        finally
        {
            TempRoot.Delete(root);
        }
    }
}
