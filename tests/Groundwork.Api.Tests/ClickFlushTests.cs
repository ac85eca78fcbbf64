using System.Net;
using Groundwork.Api.Clicks;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Groundwork.Api.Tests;

/// <summary>
/// The click flush is exactly-once even when a commit succeeds and its acknowledgement is lost — what a Multi-AZ
/// failover, a restart or KILL CONNECTION does to a session. The real primary produces that state: with semi-sync
/// replication in AFTER_COMMIT mode and no semi-sync replica, MariaDB commits the flush's transaction in the engine
/// and then holds the client's COMMIT waiting for an acknowledgement that never comes; the test kills that session.
/// </summary>
[Collection(ApiTierCollection.Name)]
public sealed class ClickFlushTests(ApiTierFixture tier)
{
    [Fact]
    public async Task A_flush_whose_commit_acknowledgement_was_lost_is_not_counted_twice_when_retried()
    {
        var slug = await Http.CreateAsync(tier.A.Client());
        var linkId = await tier.OnPrimaryAsync<long>("SELECT id FROM links WHERE slug = @slug", new { slug });
        // Flushes only when the test says so.
        await using var instance = tier.StartInstance(settings: new Dictionary<string, string> { ["Clicks:FlushInterval"] = "01:00:00" });
        var client = instance.Client();
        for (var i = 0; i < 41; i++)
        {
            Assert.Equal(HttpStatusCode.Found, (await client.GetAsync("/" + slug)).StatusCode);
        }
        var flusher = instance.Services.GetRequiredService<ClickFlusher>();

        long firstAttempt;
        // Root (the server's own socket user): semi-sync settings need a privilege the RDS-like admin user lacks.
        await using (var admin = await tier.Tier.Layout.Primary.OpenRootConnectionAsync(default))
        {
            await ExecuteAsync(admin, "SET GLOBAL rpl_semi_sync_master_wait_point = 'AFTER_COMMIT'", "SET GLOBAL rpl_semi_sync_master_timeout = 60000", "SET GLOBAL rpl_semi_sync_master_enabled = ON");
            try
            {
                var flush = flusher.FlushAsync(CancellationToken.None);
                var killed = await KillSessionsWaitingForCommitAcknowledgementAsync(admin, TimeSpan.FromSeconds(30));
                Assert.True(killed > 0, "no COMMIT ever waited for its acknowledgement");
                firstAttempt = await flush;
            }
            finally
            {
                await ExecuteAsync(admin, "SET GLOBAL rpl_semi_sync_master_enabled = OFF");
            }
        }

        // The flush saw a broken connection, yet its transaction committed: exactly the lost-acknowledgement state.
        Assert.Equal(-1, firstAttempt);
        Assert.Equal(1, flusher.UnacknowledgedChunks);
        Assert.Equal(41, await CountedAsync(linkId));

        // The retry recognises its own id and drops the chunk instead of adding 41 again.
        Assert.Equal(0, await flusher.FlushAsync(CancellationToken.None));
        Assert.Equal(0, flusher.UnacknowledgedChunks);
        Assert.Equal(41, await CountedAsync(linkId));

        // And counting goes on normally afterwards.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Found, (await client.GetAsync("/" + slug)).StatusCode);
        }
        Assert.Equal(5, await flusher.FlushAsync(CancellationToken.None));
        Assert.Equal(46, await CountedAsync(linkId));
    }

    [Fact]
    public async Task A_flush_that_never_reached_the_primary_is_written_once_when_retried()
    {
        var slug = await Http.CreateAsync(tier.A.Client());
        var linkId = await tier.OnPrimaryAsync<long>("SELECT id FROM links WHERE slug = @slug", new { slug });
        await using var instance = tier.StartInstance(settings: new Dictionary<string, string> { ["Clicks:FlushInterval"] = "01:00:00" });
        var client = instance.Client();
        for (var i = 0; i < 17; i++)
        {
            Assert.Equal(HttpStatusCode.Found, (await client.GetAsync("/" + slug)).StatusCode);
        }
        var flusher = instance.Services.GetRequiredService<ClickFlusher>();

        // The table the flush marks its id in is locked: the flush times out before anything commits.
        await using (var blocker = new MySqlConnection(tier.Tier.Setup.PrimaryConnectionString))
        {
            await blocker.OpenAsync();
            await ExecuteAsync(blocker, "LOCK TABLES click_flushes WRITE");
            var flush = flusher.FlushAsync(CancellationToken.None);
            var killed = await KillSessionsAsync(blocker, "Waiting for table metadata lock", TimeSpan.FromSeconds(30));
            Assert.True(killed > 0, "the flush never waited for the lock");
            Assert.Equal(-1, await flush);
            await ExecuteAsync(blocker, "UNLOCK TABLES");
        }
        Assert.Equal(0, await CountedAsync(linkId));

        Assert.Equal(17, await flusher.FlushAsync(CancellationToken.None));
        Assert.Equal(17, await CountedAsync(linkId));
    }

    private Task<long> CountedAsync(long linkId) =>
        tier.OnPrimaryAsync<long>("SELECT CAST(COALESCE(SUM(clicks), 0) AS SIGNED) FROM link_clicks_per_minute WHERE link_id = @linkId", new { linkId });

    private static Task<int> KillSessionsWaitingForCommitAcknowledgementAsync(MySqlConnection admin, TimeSpan within) =>
        KillSessionsAsync(admin, "Waiting for semi-sync ACK from slave", within, "COMMIT");

    /// <summary>Waits until some session is in <paramref name="state"/> (running <paramref name="info"/>), then kills every such session.</summary>
    private static async Task<int> KillSessionsAsync(MySqlConnection admin, string state, TimeSpan within, string? info = null)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            var ids = new List<long>();
            await using (var find = new MySqlCommand("SELECT id FROM information_schema.processlist WHERE state = @state AND (@info IS NULL OR info = @info)", admin))
            {
                find.Parameters.AddWithValue("@state", state);
                find.Parameters.AddWithValue("@info", info);
                await using var reader = await find.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    ids.Add(Convert.ToInt64(reader.GetValue(0)));
                }
            }
            if (ids.Count > 0)
            {
                foreach (var id in ids)
                {
                    await ExecuteAsync(admin, $"KILL CONNECTION {id}");
                }
                return ids.Count;
            }
            await Task.Delay(20);
        }
        return 0;
    }

    private static async Task ExecuteAsync(MySqlConnection connection, params string[] statements)
    {
        foreach (var sql in statements)
        {
            await using var command = new MySqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}
