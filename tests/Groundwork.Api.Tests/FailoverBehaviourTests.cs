using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Groundwork.LocalServers;
using Groundwork.Api.Migrations;
using Groundwork.ServiceDefaults.Data;
using Groundwork.ServiceDefaults.ReadYourWrites;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using ReplicaStatus = Groundwork.ServiceDefaults.Data.ReplicaStatus;

namespace Groundwork.Api.Tests;

/// <summary>
/// The app tier through a failover, in-process on a real pair: the instance reaches the databases through movable
/// endpoints (as in the AppHost) and the failover is the deploy tool's. Own tier: the roles change here.
/// </summary>
public sealed class FailoverBehaviourTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "gw-fo-" + Guid.NewGuid().ToString("N")[..8]);
    private LocalDataTier _tier = null!;
    private DataTierEndpoints _endpoints = null!;
    private ApiInstance _app = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        _tier = await LocalDataTier.StartAsync(DataTierLayout.ForTests(_root));
        _endpoints = DataTierEndpoints.Start(_tier.Layout);
        _app = new ApiInstance(_tier, 100_000, null, new Dictionary<string, string>
        {
            ["ConnectionStrings:primary"] = _tier.Setup.AdminConnectionString(_endpoints.Primary.Port),
            ["ConnectionStrings:replica"] = _tier.Setup.AdminConnectionString(_endpoints.Replica.Port),
        });
        await ApiMigrations.ApplyAsync(_app.Services, default);
        await _tier.Setup.WaitForReplicaCaughtUpAsync(TimeSpan.FromSeconds(30), default);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _endpoints.DisposeAsync();
        await _tier.DisposeAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task During_a_failover_reads_never_fail_writes_get_503_with_retry_after_and_everything_works_afterwards()
    {
        var client = _app.Client();
        var known = await Http.CreateAsync(client);
        var database = _app.Services.GetRequiredService<Database>();
        var replicaStatus = _app.Services.GetRequiredService<ReplicaStatus>();
        await Http.EventuallyAsync(() => Task.FromResult(replicaStatus.State), s => s == ReplicaState.InSync, TimeSpan.FromSeconds(10));

        // A steady stream of stats reads (no cache: each reaches a database) and creations while the failover runs.
        var answers = new ConcurrentQueue<(string Op, int Status, bool RetryAfter, bool Problem, double Ms)>();
        var created = new ConcurrentDictionary<string, bool>();
        using var stop = new CancellationTokenSource();
        var streams = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            using var c = _app.Client();
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                var clock = Stopwatch.StartNew();
                HttpResponseMessage response;
                string op;
                if (worker % 2 == 0)
                {
                    op = "create";
                    var slug = $"fo-{worker}-{n++}-{Guid.NewGuid().ToString("N")[..6]}";
                    response = await c.PostAsJsonAsync("/api/links", new { url = "https://example.com/fo", slug });
                    if (response.StatusCode == HttpStatusCode.Created) created[slug] = true;
                }
                else
                {
                    op = "read";
                    response = await c.GetAsync($"/api/links/{known}/clicks");
                }
                answers.Enqueue((op, (int)response.StatusCode, response.Headers.RetryAfter is not null,
                    response.Content.Headers.ContentType?.MediaType == "application/problem+json", clock.Elapsed.TotalMilliseconds));
                response.Dispose();
            }
        })).ToList();

        await Task.Delay(500);
        var result = await new DataTierFailover(_tier.Layout).RunAsync();
        output.WriteLine(result.Summary);
        await Task.Delay(1500);
        await stop.CancelAsync();
        await Task.WhenAll(streams);

        var all = answers.ToList();
        output.WriteLine($"{all.Count} requests: {string.Join(", ", all.GroupBy(a => (a.Op, a.Status)).Select(g => $"{g.Count()}× {g.Key.Op} {g.Key.Status}"))}; slowest {all.Max(a => a.Ms):F0} ms");
        Assert.All(all.Where(a => a.Op == "read"), a => Assert.Equal(200, a.Status));
        Assert.All(all.Where(a => a.Op == "create"), a => Assert.True(a.Status == 201 || (a.Status == 503 && a.RetryAfter && a.Problem), $"a create got {a.Status}"));
        Assert.All(all, a => Assert.True(a.Ms < 5000, $"a request took {a.Ms:F0} ms"));

        // Every acknowledged creation is on the new primary.
        await using (var primary = new MySqlConnector.MySqlConnection(_tier.Setup.PrimaryConnectionString))
        {
            var slugs = created.Keys.ToList();
            var stored = (await Dapper.SqlMapper.QueryAsync<string>(primary, "SELECT slug FROM links WHERE slug IN @slugs", new { slugs })).ToHashSet();
            Assert.All(slugs, s => Assert.Contains(s, stored));
        }

        // Afterwards: writes succeed at once, the client's position (now with the new primary's server id) is honoured,
        // the monitor calls the replica in sync and the replica serves reads again.
        var after = await client.PostAsJsonAsync("/api/links", new { url = "https://example.com/after" });
        Assert.Equal(HttpStatusCode.Created, after.StatusCode);
        var position = after.Headers.GetValues(ClientPositions.HeaderName).Single();
        Assert.StartsWith($"0-{result.NewPrimary.ServerId}-", position);
        var slugAfter = (await after.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("slug").GetString();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/links/{slugAfter}")).StatusCode);
        var state = await Http.EventuallyAsync(() => Task.FromResult(replicaStatus.State), s => s == ReplicaState.InSync, TimeSpan.FromSeconds(10));
        Assert.Equal(ReplicaState.InSync, state);
        var replicaReads = database.ReadCounts.Replica;
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await _app.Client().GetAsync($"/api/links/{known}/clicks")).StatusCode);
        }
        Assert.True(database.ReadCounts.Replica > replicaReads, "reads went back to the replica");

        // The second run fails back, and the app follows again.
        await new DataTierFailover(_tier.Layout).RunAsync();
        var created2 = await Http.EventuallyAsync(async () => (await client.PostAsJsonAsync("/api/links", new { url = "https://example.com/back" })).StatusCode,
            s => s == HttpStatusCode.Created, TimeSpan.FromSeconds(5));
        Assert.Equal(HttpStatusCode.Created, created2);
    }
}
