using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Groundwork.LocalServers;
using Groundwork.Testing;
using MySqlConnector;

namespace Groundwork.Faults.Tests.Infrastructure;

/// <summary>
/// The local stack the fault scenarios break and repair: the real AppHost topology, with clicks flushed every second
/// (so "not lost" is checked within seconds) and a creation limit the stream stays under. Adds what a fault test
/// needs: crash a server (SIGKILL by port), start it again through Aspire, root access to both databases, and the
/// ground truth of what is stored.
/// </summary>
public class FaultStack : LocalStack, IAsyncLifetime
{
    public const int CreateLimit = 2000;

    /// <summary>
    /// The click buffer bound (Clicks:MaxPendingKeys), low so the bound can be reached; still above what the other
    /// scenarios hold (≤ 8 links × 2 minutes per instance during a 5 s outage).
    /// </summary>
    public const int MaxPendingClickBuckets = 24;

    protected override IEnumerable<KeyValuePair<string, string>> Environment =>
    [
        new("GROUNDWORK_CREATE_LIMIT", CreateLimit.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("GROUNDWORK_API__Clicks__FlushInterval", "00:00:01"),
        new("GROUNDWORK_API__Clicks__MaxPendingKeys", MaxPendingClickBuckets.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        // Set back to the defaults here: the AbuseStack of the same test run changes them (the AppHost reads the environment).
        new("Edge__IdentityTokenLifetime", "00:02:00"),
        new("GROUNDWORK_API__AlbIdentity__ClockSkew", "00:01:00"),
    ];

    public DataTierLayout Layout => new(DataDirectory, PrimaryPort, ReplicaPort, RedisPort);

    public DataTierSetup Setup => new(Layout);

    async Task IAsyncLifetime.InitializeAsync() => await InitializeAsync();

    async Task IAsyncLifetime.DisposeAsync()
    {
        try
        {
            await DisposeAsync();
        }
        finally
        {
            ReliabilityReport.WriteDocument();
        }
    }

    /// <summary>SIGKILL of a server of the topology: no shutdown, no flush, like a kernel OOM kill or a lost host.</summary>
    public Task<int> CrashAsync(int port) => ListeningProcess.KillAsync(port, TimeSpan.FromSeconds(10));

    /// <summary>Starts a stopped or crashed resource again through Aspire and waits until it is healthy.</summary>
    public async Task RestartAsync(string resource)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var result = await App.ResourceCommands.ExecuteCommandAsync(resource, "resource-start", timeout.Token);
        if (!result.Success)
        {
            result = await App.ResourceCommands.ExecuteCommandAsync(resource, "resource-restart", timeout.Token);
        }
        if (!result.Success)
        {
            throw new InvalidOperationException($"Could not start {resource}: {result.Message}");
        }
        await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);
    }

    /// <summary>Creates links through the edge and waits until the replica has them (reads of known links).</summary>
    public async Task<IReadOnlyList<SeedLink>> SeedAsync(string tag, int count)
    {
        using var client = CreateEdgeClient();
        var seeds = new List<SeedLink>();
        for (var i = 0; i < count; i++)
        {
            var slug = $"{tag}-seed-{i}-{Guid.NewGuid().ToString("N")[..6]}";
            var url = $"https://example.com/{tag}/seed/{i}";
            var response = await client.PostAsJsonAsync("/api/links", new { url, slug });
            if (response.StatusCode != HttpStatusCode.Created)
            {
                throw new InvalidOperationException($"Seeding {slug} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
            seeds.Add(new SeedLink(slug, url));
        }
        await Setup.WaitForReplicaCaughtUpAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        // Warm both instances (each has its own memory cache).
        for (var i = 1; i <= ApiInstances; i++)
        {
            using var instance = CreateInstanceClient(i);
            foreach (var seed in seeds)
            {
                // HEAD fills the cache without counting a click (only GET counts).
                await instance.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/" + seed.Slug));
            }
        }
        return seeds;
    }

    /// <summary>Every instance answers /health/ready with every check Healthy (replica in sync, Redis connected).</summary>
    public async Task WaitUntilAllHealthyAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        string last = "";
        while (clock.Elapsed < timeout)
        {
            var healthy = true;
            for (var i = 1; i <= ApiInstances && healthy; i++)
            {
                try
                {
                    using var client = CreateInstanceClient(i);
                    client.Timeout = TimeSpan.FromSeconds(3);
                    var response = await client.GetAsync("/health/ready");
                    last = $"api-{i}: {await response.Content.ReadAsStringAsync()}";
                    healthy = response.IsSuccessStatusCode
                        && (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString() == "Healthy";
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    last = $"api-{i}: {e.Message}";
                    healthy = false;
                }
            }
            if (healthy)
            {
                return;
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"Not every instance became Healthy within {timeout}: {last}");
    }

    public async Task<MySqlConnection> PrimaryRootAsync() => await Layout.Primary.OpenRootConnectionAsync(CancellationToken.None);

    public async Task<MySqlConnection> ReplicaRootAsync() => await Layout.Replica.OpenRootConnectionAsync(CancellationToken.None);

    /// <summary>Clicks stored on the primary per slug (the ground truth of what was flushed).</summary>
    public async Task<Dictionary<string, long>> ClicksOnPrimaryAsync(IEnumerable<string> slugs)
    {
        var list = slugs.ToList();
        var result = list.ToDictionary(s => s, _ => 0L);
        if (list.Count == 0)
        {
            return result;
        }
        await using var root = await PrimaryRootAsync();
        await using var command = new MySqlCommand { Connection = root };
        var names = new List<string>();
        for (var i = 0; i < list.Count; i++)
        {
            names.Add("@s" + i);
            command.Parameters.AddWithValue("@s" + i, list[i]);
        }
        command.CommandText = $"""
            SELECT l.slug, CAST(COALESCE(SUM(c.clicks), 0) AS SIGNED) FROM groundwork.links l
            LEFT JOIN groundwork.link_clicks_per_minute c ON c.link_id = l.id
            WHERE l.slug IN ({string.Join(',', names)}) GROUP BY l.slug
            """;
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            result[reader.GetString(0)] = reader.GetInt64(1);
        }
        return result;
    }

    /// <summary>Which of these slugs exist on the primary, with their target URL.</summary>
    public async Task<Dictionary<string, string>> LinksOnPrimaryAsync(IEnumerable<string> slugs)
    {
        var list = slugs.ToList();
        var result = new Dictionary<string, string>();
        if (list.Count == 0)
        {
            return result;
        }
        await using var root = await PrimaryRootAsync();
        foreach (var chunk in list.Chunk(500))
        {
            await using var command = new MySqlCommand { Connection = root };
            var names = new List<string>();
            for (var i = 0; i < chunk.Length; i++)
            {
                names.Add("@s" + i);
                command.Parameters.AddWithValue("@s" + i, chunk[i]);
            }
            command.CommandText = $"SELECT slug, url FROM groundwork.links WHERE slug IN ({string.Join(',', names)})";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                result[reader.GetString(0)] = reader.GetString(1);
            }
        }
        return result;
    }

    /// <summary>The edge's view of its targets (loopback-only control API).</summary>
    public async Task<JsonElement> EdgeTargetsAsync()
    {
        using var client = CreateEdgeClient();
        return await client.GetFromJsonAsync<JsonElement>("/_edge/targets");
    }

    public async Task WaitUntilEdgeSeesAllHealthyAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var targets = await EdgeTargetsAsync();
            if (targets.EnumerateArray().All(t => t.GetProperty("activeHealth").GetString() == "Healthy"))
            {
                return;
            }
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"The edge does not see every target healthy: {targets}");
            }
            await Task.Delay(200);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class FaultsCollection : ICollectionFixture<FaultStack>
{
    public const string Name = "faults";
}
