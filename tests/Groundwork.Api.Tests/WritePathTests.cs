using System.Globalization;
using System.Net.Http.Json;
using Groundwork.ServiceDefaults.Caching;
using Groundwork.ServiceDefaults.Data;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Groundwork.Api.Tests;

/// <summary>
/// What one create costs the data tier, counted on the real servers (issue 19, the write path): round trips to the
/// primary (a counting forwarder in front of it), statements it executed (its Com_* status counters), and Redis
/// commands (Redis's own INFO commandstats).
/// </summary>
[Collection(ApiTierCollection.Name)]
public sealed class WritePathTests(ApiTierFixture tier, ITestOutputHelper output)
{
    private const int Creates = 50;

    /// <summary>
    /// As shipped, the pool resets a session when it hands it out (one pipelined round trip, which also proves the
    /// connection alive after a failover), then the create is one command. Without the reset it is one round trip in
    /// all: the figure docs/performance.md quotes for the trade-off.
    /// </summary>
    [Theory]
    [InlineData(true, 2.0)]
    [InlineData(false, 1.0)]
    public async Task A_create_costs_the_primary_one_insert_in_one_round_trip_after_the_pooled_session_reset(bool connectionReset, double roundTripsAllowed)
    {
        await using var counter = new RoundTripCounter(tier.Tier.Layout.Primary.Port);
        await using var app = tier.StartInstance(settings: new Dictionary<string, string>
        {
            ["ConnectionStrings:primary"] = new MySqlConnectionStringBuilder(counter.Through(tier.Tier.Setup.PrimaryConnectionString)) { ConnectionReset = connectionReset }.ConnectionString,
            // The replica monitor also reads the primary; once at start, then not during the count.
            ["Database:ReplicaCheckInterval"] = "01:00:00",
            // The click flusher's ticks (and its first-tick prune of old flush ids) would land in the count too.
            ["Clicks:FlushInterval"] = "01:00:00",
        });
        var client = app.Client();
        await Http.CreateAsync(client); // warm: the pool holds an open connection, the monitor has run
        await Task.Delay(200);

        // INFO is an admin command: a connection of the test's own, trusting the tier's CA as the app does.
        var redisOptions = ConfigurationOptions.Parse(tier.Tier.Layout.Redis.ConnectionString);
        redisOptions.AllowAdmin = true;
        app.Services.GetRequiredService<RedisTrust>().Apply(redisOptions);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(redisOptions);
        var (tripsBefore, insertsBefore, redisBefore) = (counter.RoundTrips, await PrimaryStatusAsync("Com_insert"), await RedisCallsAsync(redis));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < Creates; i++)
        {
            var response = await client.PostAsJsonAsync("/api/links", new { url = "https://example.com/write-path" });
            Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
            Assert.True(ReplicationDialect.LooksLikePosition(response.Headers.GetValues(ServiceDefaults.ReadYourWrites.ClientPositions.HeaderName).Single()));
        }
        var elapsed = clock.Elapsed;
        var roundTrips = (counter.RoundTrips - tripsBefore) / (double)Creates;
        var inserts = (await PrimaryStatusAsync("Com_insert") - insertsBefore) / (double)Creates;
        var redisCalls = Delta(redisBefore, await RedisCallsAsync(redis));
        output.WriteLine($"Connection Reset={connectionReset}, per create: {elapsed.TotalMilliseconds / Creates:0.00} ms sequential, {roundTrips:0.##} round trips to the primary, {inserts:0.##} INSERT; Redis: "
                         + string.Join(", ", redisCalls.Select(c => $"{c.Key} {c.Value / (double)Creates:0.##}")));

        Assert.Equal(1.0, inserts);
        // The session reset MySqlConnector pipelines when it hands out a pooled connection (it also proves the
        // connection alive), then one command: INSERT; SELECT LAST_INSERT_ID(), @@last_gtid. Before: reset, ping,
        // INSERT, SELECT @@last_gtid = 4.
        Assert.True(roundTrips <= roundTripsAllowed, $"{roundTrips} round trips per create (allowed {roundTripsAllowed})");
        // A generated slug is new to every cache: no write-through to Redis, no backplane message (LinkCache.SetCreatedAsync).
        Assert.False(redisCalls.ContainsKey("publish"), "a create under a generated slug sends no backplane message");
        Assert.False(redisCalls.ContainsKey("hmset") || redisCalls.ContainsKey("hset"), "a create under a generated slug writes nothing to Redis's cache");
    }

    private async Task<long> PrimaryStatusAsync(string name)
    {
        await using var connection = new MySqlConnection(tier.Tier.Setup.PrimaryConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SHOW GLOBAL STATUS LIKE @name", connection);
        command.Parameters.AddWithValue("@name", name);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? long.Parse(reader.GetString(1), CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>Calls per command since Redis started (INFO commandstats: cmdstat_set:calls=3,usec=...).</summary>
    private static async Task<Dictionary<string, long>> RedisCallsAsync(IConnectionMultiplexer redis)
    {
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var info = await server.InfoAsync("commandstats");
        return info.SelectMany(group => group).ToDictionary(
            entry => entry.Key.Replace("cmdstat_", ""),
            entry => long.Parse(entry.Value.Split(',')[0].Split('=')[1], CultureInfo.InvariantCulture));
    }

    private static Dictionary<string, long> Delta(Dictionary<string, long> before, Dictionary<string, long> after) =>
        after.Select(a => (a.Key, Value: a.Value - before.GetValueOrDefault(a.Key)))
            .Where(a => a.Value > 0 && a.Key != "info")
            .OrderBy(a => a.Key, StringComparer.Ordinal)
            .ToDictionary(a => a.Key, a => a.Value);
}
